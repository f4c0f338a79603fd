/** Economics: prices, per-request and monthly cost, break-even volumes, pilot estimates. */
export * from './prices/types.js';
export { resolvePricing, type PricingOptions } from './prices/resolve-pricing.js';
export { lookupCatalog, catalogName } from './prices/catalog.js';
export { hardwareProfile } from './prices/hardware.js';
export { parseModelRef } from './prices/model-ref.js';
export * as referenceData from './prices/reference-data.js';
export * from './cost-per-request.js';
export * from './cost-curve.js';
export * from './break-even.js';
export * from './sweep.js';
export * from './price-usage.js';
export * from './estimate-pilot.js';
export * from './cost-analysis.js';
