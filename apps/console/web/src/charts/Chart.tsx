import { BarChart, CustomChart, LineChart, ScatterChart } from 'echarts/charts';
import {
  AriaComponent,
  DataZoomComponent,
  GridComponent,
  LegendComponent,
  TooltipComponent,
} from 'echarts/components';
import * as echarts from 'echarts/core';
import type { EChartsCoreOption } from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';

// Only what the console draws: bar, line, scatter and custom (error bars), as SVG.
echarts.use([
  BarChart,
  CustomChart,
  LineChart,
  ScatterChart,
  AriaComponent,
  DataZoomComponent,
  GridComponent,
  LegendComponent,
  TooltipComponent,
  SVGRenderer,
]);

/**
 * One ECharts chart. `label` names it for screen readers (ECharts' aria module adds a description
 * of the data); `testId` lets the browser tests find a drawn chart.
 */
export default function Chart({
  option,
  label,
  height = 320,
  testId,
}: {
  option: EChartsCoreOption;
  label: string;
  height?: number;
  testId?: string;
}) {
  const host = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);

  useEffect(() => {
    const instance = echarts.init(host.current, undefined, { renderer: 'svg' });
    chart.current = instance;
    const resize = () => instance.resize();
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      instance.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    // ECharts' aria module labels the chart: with our description, not a dump of every point.
    chart.current?.setOption(
      { aria: { enabled: true, label: { description: label } }, animation: false, ...option },
      true,
    );
  }, [option, label]);

  return (
    <div ref={host} role="img" aria-label={label} style={{ height }} className="chart" data-testid={testId} />
  );
}
