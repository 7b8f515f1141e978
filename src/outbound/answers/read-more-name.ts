/** The tool that returns the rest of an answer cut to fit the budget (SPEC §14). */
export const READ_MORE_TOOL = 'toolwire_read_more';
