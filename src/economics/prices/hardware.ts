import { LadderError } from '../../core/errors.js';
import { defaultLocalHardware, hardware, referenceTableVersion } from './reference-data.js';
import type { HardwareProfile } from './types.js';

/** A hardware profile by name from the reference table ("h100", "a100-80gb", "l4", "cpu-2vcpu"), or a custom one. */
export function hardwareProfile(choice?: string | HardwareProfile): HardwareProfile {
  if (choice && typeof choice === 'object') return choice;
  const name = (choice ?? defaultLocalHardware).toLowerCase();
  const entry = hardware.find((h) => h.name === name);
  if (!entry) {
    throw new LadderError('INPUT_INVALID', `unknown hardware "${choice}"; known: ${hardware.map((h) => h.name).join(', ')}, or give {name, usdPerHour}`, { exitCode: 2 });
  }
  return {
    name: entry.name,
    usdPerHour: entry.usdPerHour,
    outputTokensPerSecond: entry.outputTokensPerSecond,
    source: { origin: `ladder reference table ${referenceTableVersion}: ${entry.source}`, checked: entry.checked },
  };
}
