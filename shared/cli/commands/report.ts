import type { Command } from 'commander';
import type { Filters } from '../../../analytics/catalog.ts';

interface ReportFlags {
  out: string;
  output: string;
  severity?: string;
  category?: string;
  type?: string;
  state?: string;
  conclusion?: string;
  user?: string;
  device?: string;
}

/**
 * `report`: renders the Incidents and Events Overview dashboards from a local output folder into one
 * self-contained HTML page (analytics/report.ts). DuckDB and echarts load only when it runs.
 */
export function registerReport(program: Command): void {
  program
    .command('report')
    .description(
      'Render the Incidents and Events Overview dashboards from a local output folder into one HTML page',
    )
    .option('--out <dir>', 'output folder written by the connector', './out')
    .option('--output <file>', 'HTML file to write', 'report.html')
    .option('--severity <pattern>', 'only this severity label (Sumo-style pattern, * = any)')
    .option('--category <pattern>', 'only this category label')
    .option(
      '--type <pattern>',
      'only this record/event type (e.g. INCIDENT_CREATION, sandbox_file_detection)',
    )
    .option('--state <pattern>', 'only incidents in this state (e.g. New, Resolved)')
    .option('--conclusion <pattern>', 'only incidents with this conclusion')
    .option('--user <pattern>', 'only events of this user name')
    .option('--device <pattern>', 'only events of this device name')
    .action(async (flags: ReportFlags) => {
      const { writeReport } = await import('../../../analytics/report.ts');
      const filters: Filters = {};
      if (flags.severity) filters.severity = flags.severity;
      if (flags.category) filters.category = flags.category;
      if (flags.type) filters.type = flags.type;
      if (flags.state) filters.state = flags.state;
      if (flags.conclusion) filters.conclusion = flags.conclusion;
      if (flags.user) filters.user_name = flags.user;
      if (flags.device) filters.device_name = flags.device;
      const data = await writeReport({ out: flags.out, output: flags.output, filters });
      const panels = data.dashboards.reduce((n, d) => n + d.panels.length, 0);
      process.stdout.write(
        `report: ${flags.output} (${panels} panels; ${data.loaded['incident']} incident and ` +
          `${data.loaded['event']} event documents from ${data.out})\n`,
      );
    });
}
