import * as echarts from 'echarts';

/**
 * Renders an ECharts option to an SVG string on the server (no DOM, no browser). Animation is off so the
 * SVG is the final frame. ECharts escapes the text it draws, so labels may carry user strings.
 */
export function renderSvg(option: echarts.EChartsOption, width = 720, height = 400): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({ animation: false, textStyle: { fontFamily: 'system-ui, sans-serif' }, ...option });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

export const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777', '#4b5563', '#65a30d'];
