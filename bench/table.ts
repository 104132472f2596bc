// The cluster benches' tables: columns padded to their widest cell, separated by " | ", under a
// "-|-" rule. Cells are right-aligned (figures), except the first `leftColumns` (names).
export const plainTable = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>, leftColumns = 0): Array<string> => {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)))
  const line = (cells: ReadonlyArray<string>) => cells.map((cell, i) => (i < leftColumns ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join(" | ")
  return [line(header), widths.map((width) => "-".repeat(width)).join("-|-"), ...rows.map(line)]
}
