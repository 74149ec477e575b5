/**
 * A tiny indenting line printer for codec bodies: emitters call `line` and `block` instead of building
 * strings with hand-counted spaces, so nested output stays readable and consistently indented.
 */
export class Printer {
  private readonly lines: string[] = [];
  private indent: string;

  constructor(baseIndent = "") {
    this.indent = baseIndent;
  }

  /** Appends one line at the current indentation. */
  line(text: string): void {
    this.lines.push(text.length > 0 ? this.indent + text : "");
  }

  /** Appends `open`, the lines `body` prints one level deeper, then `close` (skipped when empty). */
  block(open: string, close: string, body: () => void): void {
    this.line(open);
    const saved = this.indent;
    this.indent += "  ";
    body();
    this.indent = saved;
    if (close.length > 0) this.line(close);
  }

  /** The printed text, lines joined by newlines. */
  toString(): string {
    return this.lines.join("\n");
  }
}
