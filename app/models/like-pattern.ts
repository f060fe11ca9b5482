/** An ILIKE pattern matching `text` anywhere, its `%`, `_` and `\` taken as plain characters. */
export const containsPattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
