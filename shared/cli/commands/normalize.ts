import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import * as z from 'zod/mini';
import { settingsSchema } from '../../config/settings.ts';
import { ConfigError } from '../../errors.ts';
import { type NormalizeOptions, normalizeIncident, quarantineDocument } from '../../normalize/index.ts';
import { splitInput } from '../../normalize/input.ts';
import type { DatasetName } from '../../ports/document.ts';

interface NormalizeFlags {
  keepOriginal?: boolean;
  preserveDuplicateCustomFields?: boolean;
  namespace: string;
}

function readInput(file: string | undefined): string {
  const path = file === undefined || file === '-' ? 0 : file;
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(`cannot read input file ${String(file)} (${code ?? 'error'})`, {
      action: 'Pass an existing file of raw API incidents, or pipe them on stdin',
      cause: error,
    });
  }
}

/** Writes NDJSON to stdout in large chunks, waiting when the pipe is full. */
async function writeAll(chunks: string[]): Promise<void> {
  for (const chunk of chunks) {
    if (!process.stdout.write(chunk)) {
      await new Promise<void>((resolve) => process.stdout.once('drain', resolve));
    }
  }
}

/**
 * `ses-connector normalize [file]`: raw API incidents (NDJSON, response bodies, pretty-printed
 * JSON; a file or stdin) → documents as NDJSON on stdout, a count summary on stderr.
 */
export function registerNormalize(program: Command): void {
  program
    .command('normalize')
    .description(
      'Turn raw API incidents (one JSON object per line, or whole response bodies, from a file or stdin) ' +
        'into incident, event and quarantine documents (NDJSON on stdout, summary on stderr)',
    )
    .argument('[file]', 'input file; stdin when absent or "-"')
    .option('--keep-original', 'keep the raw record in event.original', false)
    .option(
      '--preserve-duplicate-custom-fields',
      "keep the vendor copies of fields mapped to ECS (Elastic's preserve_duplicate_custom_fields)",
      false,
    )
    .option('--namespace <name>', 'data_stream.namespace of the documents', 'default')
    .action(async (file: string | undefined, flags: NormalizeFlags) => {
      const ns = z.safeParse(settingsSchema.shape.namespace, flags.namespace);
      if (!ns.success) {
        throw new ConfigError(`--namespace "${flags.namespace}" is invalid`, {
          action: 'Use 1-100 characters among a-z, 0-9 and _',
        });
      }
      const options: NormalizeOptions = {
        keepOriginal: flags.keepOriginal === true,
        preserveDuplicateCustomFields: flags.preserveDuplicateCustomFields === true,
        namespace: ns.data,
        ingestedAt: new Date().toISOString(),
      };
      const items = splitInput(readInput(file));
      const counts: Record<DatasetName, number> = {
        incident: 0,
        event: 0,
        quarantine: 0,
        alert: 0,
        telemetry: 0,
      };
      const chunks: string[] = [];
      let buffer = '';
      for (const item of items) {
        const docs =
          item.kind === 'invalid'
            ? [quarantineDocument(item.text, item.reason, options, { errorType: 'invalid_json' })]
            : normalizeIncident(item.text ?? item.raw, options);
        for (const d of docs) {
          counts[d.dataset]++;
          buffer += `${JSON.stringify(d.doc)}\n`;
        }
        if (buffer.length > 1 << 20) {
          chunks.push(buffer);
          buffer = '';
        }
      }
      if (buffer !== '') chunks.push(buffer);
      await writeAll(chunks);
      process.stderr.write(
        `normalize: ${items.length} input records -> ${counts.incident} incident, ${counts.event} event, ` +
          `${counts.quarantine} quarantine documents\n`,
      );
    });
}
