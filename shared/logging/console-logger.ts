import type { Logger } from '../ports/logger.ts';
import { redactor as defaultRedactor, type Redactor } from './redact.ts';

export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';
const ORDER: Record<LogLevel, number> = { DEBUG: 10, INFO: 20, WARN: 30, ERROR: 40, SILENT: 100 };

export interface ConsoleLoggerOptions {
  level?: LogLevel;
  /** `json`: one JSON object per line (machines); `text`: human readable. */
  format?: 'json' | 'text';
  /** Where lines go; stderr by default so stdout stays clean for data. */
  write?: (line: string) => void;
  redactor?: Redactor;
}

/** Local logger for the CLI and tests. Redacts secrets from every line. */
export class ConsoleLogger implements Logger {
  private readonly level: number;
  private readonly format: 'json' | 'text';
  private readonly write: (line: string) => void;
  private readonly redactor: Redactor;

  constructor(options: ConsoleLoggerOptions = {}) {
    this.level = ORDER[options.level ?? 'INFO'];
    this.format = options.format ?? 'text';
    this.write = options.write ?? ((line) => process.stderr.write(`${line}\n`));
    this.redactor = options.redactor ?? defaultRedactor;
  }

  private log(level: LogLevel, message: string, fields?: Record<string, unknown>): void {
    if (ORDER[level] < this.level) return;
    const safeFields = fields ? this.redactor.redactValue(fields) : undefined;
    const safeMessage = this.redactor.redact(message);
    if (this.format === 'json') {
      this.write(
        JSON.stringify({ level, timestamp: new Date().toISOString(), message: safeMessage, ...safeFields }),
      );
    } else {
      const extra = safeFields && Object.keys(safeFields).length ? ` ${JSON.stringify(safeFields)}` : '';
      this.write(`${level.padEnd(5)} ${safeMessage}${extra}`);
    }
  }

  debug(message: string, fields?: Record<string, unknown>): void {
    this.log('DEBUG', message, fields);
  }
  info(message: string, fields?: Record<string, unknown>): void {
    this.log('INFO', message, fields);
  }
  warn(message: string, fields?: Record<string, unknown>): void {
    this.log('WARN', message, fields);
  }
  error(message: string, fields?: Record<string, unknown>): void {
    this.log('ERROR', message, fields);
  }
}
