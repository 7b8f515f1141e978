/**
 * include/exclude: an entry matches an operation when it equals one of its tags, or when it matches
 * its path as a glob (`*` within one segment, `**` across segments). Exclude wins over include; no
 * include list means everything is included.
 */

export interface FilterResult {
  kept: boolean;
  reason?: string;
}

function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i]!;
    if (char === '*' && glob[i + 1] === '*') {
      source += '.*';
      i++;
    } else if (char === '*') source += '[^/]*';
    else source += char.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

export class OperationFilter {
  private readonly include: Array<{ entry: string; glob: RegExp }>;
  private readonly exclude: Array<{ entry: string; glob: RegExp }>;

  constructor(include: string[] = [], exclude: string[] = []) {
    this.include = include.map((entry) => ({ entry, glob: globToRegExp(entry) }));
    this.exclude = exclude.map((entry) => ({ entry, glob: globToRegExp(entry) }));
  }

  check(path: string, tags: string[]): FilterResult {
    const matches = ({ entry, glob }: { entry: string; glob: RegExp }): boolean => tags.includes(entry) || glob.test(path);
    const excluded = this.exclude.find(matches);
    if (excluded !== undefined) return { kept: false, reason: `excluded by "${excluded.entry}"` };
    if (this.include.length > 0 && !this.include.some(matches)) {
      return { kept: false, reason: 'matched no include entry (tag or path)' };
    }
    return { kept: true };
  }
}
