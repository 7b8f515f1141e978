import { ToolwireError } from '../core/errors.js';

/** Which list of a multi-entry write an issue belongs to. */
export type EntryList = 'providerTokens' | 'mcpServers';

/** A problem with one entry of a multi-entry write: its list and index, and the entry's field (null: the entry as a whole). */
export interface EntryIssue {
  list: EntryList;
  index: number;
  field: string | null;
  message: string;
}

/** Records one entry's problem; the operation goes on, so one answer can name every problem. */
export type ReportIssue = (index: number, field: string | null, message: string) => void;

/**
 * Every problem of a multi-entry write, thrown inside its transaction so nothing is written. The caller
 * places each issue in its own request (the catalog does not know where an entry came from).
 */
export class InvalidEntries extends ToolwireError {
  constructor(readonly entries: EntryIssue[]) {
    super(
      'INVALID_INPUT',
      entries.map((e) => `${e.list}[${e.index}]${e.field ? `.${e.field}` : ''}: ${e.message}`).join('; '),
      entries.map((e) => ({ field: `${e.list}[${e.index}]${e.field ? `.${e.field}` : ''}`, message: e.message })),
    );
    this.name = 'InvalidEntries';
  }
}

/** Collects the issues of one list. */
export function issueCollector(list: EntryList, into: EntryIssue[]): ReportIssue {
  return (index, field, message) => {
    into.push({ list, index, field, message });
  };
}
