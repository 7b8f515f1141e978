/** The title and description of an imported tool, bounded. */
import { boundText } from './util.js';

export interface OperationText {
  summary?: string | undefined;
  description?: string | undefined;
  deprecated: boolean;
}

export function toolTitle(text: OperationText, code: string): string {
  const summary = text.summary?.trim();
  return summary ? boundText(summary, 200) : code;
}

/** Summary then description (without repeating the summary), bounded to about 1,000 characters. */
export function toolDescription(text: OperationText, route: string): string {
  const summary = text.summary?.trim() ?? '';
  const description = text.description?.trim() ?? '';
  const parts = summary !== '' && description.startsWith(summary) ? [description] : [summary, description];
  const body = parts.filter((part) => part !== '').join('\n\n') || route;
  return boundText(text.deprecated ? `Deprecated. ${body}` : body, 1000);
}
