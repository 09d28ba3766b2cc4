/**
 * Downloads of many rows (the audit log, a customer's history): NDJSON or CSV, streamed page by
 * page so an export of any size holds one page in memory. CSV is RFC 4180 (csv-stringify) with
 * cells that a spreadsheet would run as a formula (=, +, -, @, tab, CR) escaped by a leading quote.
 */
import type { Response } from 'express';
import { stringify } from 'csv-stringify/sync';

export type ExportFormat = 'ndjson' | 'csv';

export const EXPORT_CONTENT_TYPES: Record<ExportFormat, string> = {
  ndjson: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
};

/** CSV text of rows (no header unless it is the first row), one line each, CRLF ends. */
export function csvRows(rows: readonly (readonly unknown[])[]): string {
  return stringify(
    rows.map((row) => row.map((cell) => (cell === null || cell === undefined ? '' : typeof cell === 'object' ? JSON.stringify(cell) : cell))),
    { escape_formulas: true, record_delimiter: 'windows' },
  );
}

export interface ExportStream<Row> {
  format: ExportFormat;
  filename: string;
  /** The CSV header (column names). */
  columns: readonly string[];
  /** One row's CSV cells, in `columns` order. */
  csv(row: Row): readonly unknown[];
  /** One row as an NDJSON line's object. */
  json(row: Row): unknown;
  /** The next page after `cursor` (null: the first); `next` null at the end. */
  page(cursor: string | null): Promise<{ rows: readonly Row[]; next: string | null }>;
  /** At most this many pages (a bound on every export loop). */
  maxPages: number;
}

/**
 * Streams an export to the response: headers at once, then each page as it is read. An error
 * after the first bytes cannot become a problem document any more: the response is cut off (the
 * client sees an incomplete download), and the error is rethrown for the log.
 */
export async function streamExport<Row>(response: Response, stream: ExportStream<Row>): Promise<void> {
  response.status(200);
  response.setHeader('Content-Type', EXPORT_CONTENT_TYPES[stream.format]);
  response.setHeader('Content-Disposition', `attachment; filename="${stream.filename}.${stream.format}"`);
  response.setHeader('Cache-Control', 'no-store');
  let started = false;
  const write = async (chunk: string) => {
    started = true;
    if (!response.write(chunk)) await new Promise((resolve) => response.once('drain', resolve));
  };
  try {
    let cursor: string | null = null;
    let first = true;
    for (let pages = 0; pages < stream.maxPages; pages++) {
      const { rows, next } = await stream.page(cursor);
      if (stream.format === 'csv') {
        const lines = rows.map((row) => stream.csv(row));
        await write(csvRows(first ? [stream.columns, ...lines] : lines) || '');
      } else if (rows.length) {
        await write(rows.map((row) => JSON.stringify(stream.json(row))).join('\n') + '\n');
      }
      first = false;
      if (next === null || response.destroyed) break;
      cursor = next;
    }
    response.end();
  } catch (error) {
    if (!started) {
      response.removeHeader('Content-Disposition');
      throw error;
    }
    response.destroy(error as Error);
  }
}
