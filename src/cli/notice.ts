/** Control characters (terminal escapes, newlines, tabs, NUL…) shown as \xNN: names echoed from a
 * model file must not move the cursor, clear the screen or forge extra lines. */
// eslint-disable-next-line no-control-regex
export const printable = (text: string): string => text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

/** A one-line note on stderr that something was assumed or ignored; always shown (not only on a TTY). */
export const notice = (msg: string): void => void process.stderr.write(`harc: note: ${printable(msg)}\n`);
