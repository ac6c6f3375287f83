// AssemblyScript (compiled to dist/wasm/levels.wasm by `npm run build`), driven by
// src/parquet/levels.ts: levels (u16) in Parquet's RLE/bit-packed hybrid, cut as
// hyparquet-writer's writeRleBitPackedHybrid cuts them (a run of 8 or more equal levels as a
// run, the rest in groups of 8), so the bytes are the same as its; and where a typed column's
// data pages are cut, read off its levels as typed-column-writer.ts' pagesOf reads them.

export function heapBase(): usize {
  return __heap_base;
}

let out: usize = 0;

@inline function header(value: u32): void {
  for (; value >= 0x80; value >>= 7) store<u8>(out++, <u8>((value & 0x7f) | 0x80));
  store<u8>(out++, <u8>value);
}

function packGroups(levels: usize, count: u32, from: u32, groups: u32, bitWidth: u32): void {
  header((groups << 1) | 1);
  let buffer: u32 = 0;
  let bits: u32 = 0;
  const end = from + (groups << 3);
  for (let i = from; i < end; i++) {
    const level: u32 = i < count ? <u32>load<u16>(levels + (<usize>i << 1)) : 0;
    buffer |= level << bits;
    bits += bitWidth;
    for (; bits >= 8; bits -= 8) {
      store<u8>(out++, <u8>buffer);
      buffer >>= 8;
    }
  }
  if (bits > 0) store<u8>(out++, <u8>buffer);
}

/**
 * The `count` levels at `levels` (u16, each under 2^bitWidth, bitWidth 1 to 16) encoded at
 * `into`, which has room for ceil(count / 8) * (5 + bitWidth) + 16 bytes; returns the bytes written.
 */
export function encodeLevels(levels: usize, count: u32, bitWidth: u32, into: usize): u32 {
  out = into;
  const valueBytes = (bitWidth + 7) >> 3;
  let groupsFrom: u32 = 0;
  let groups: u32 = 0;
  let i: u32 = 0;
  while (i < count) {
    const level: u32 = <u32>load<u16>(levels + (<usize>i << 1));
    let run: u32 = 1;
    while (i + run < count && load<u16>(levels + (<usize>(i + run) << 1)) == level) run++;
    if (run < 8) {
      if (groups == 0) groupsFrom = i;
      groups++;
      i += 8;
      continue;
    }
    if (groups > 0) {
      packGroups(levels, count, groupsFrom, groups, bitWidth);
      groups = 0;
    }
    header(run << 1);
    for (let k: u32 = 0; k < valueBytes; k++) store<u8>(out++, <u8>(level >> (k << 3)));
    i += run;
  }
  if (groups > 0) packGroups(levels, count, groupsFrom, groups, bitWidth);
  return <u32>(out - into);
}

/**
 * The data pages of a column chunk of `slots` value slots, cut as pagesOf cuts them: a page ends
 * before a row's first slot once its values' bytes reach `pageBytes`. Definition levels at
 * `definitions` (u16; none read where maxDefinition is 0), repetition levels at `repetitions`
 * (u16; 0 where the column has none). Values are `width` bytes each, or (width 0) end at the
 * u32 offsets at `ends`. Each page is written at `into` as three u32: its slots' end, its values'
 * end, its rows. Returns how many pages.
 */
export function pageCuts(
  definitions: usize,
  repetitions: usize,
  slots: u32,
  maxDefinition: u32,
  width: u32,
  ends: usize,
  pageBytes: u32,
  into: usize,
): u32 {
  let pages: u32 = 0;
  let slotStart: u32 = 0;
  let valueStart: u32 = 0;
  let pageStartByte: u64 = 0;
  let value: u32 = 0;
  let rows: u32 = 0;
  for (let slot: u32 = 0; slot < slots; slot++) {
    const rowStart = repetitions == 0 || load<u16>(repetitions + (<usize>slot << 1)) == 0;
    if (rowStart && slot > slotStart && value > valueStart) {
      const endByte: u64 = width > 0 ? <u64>value * width : <u64>load<u32>(ends + (<usize>(value - 1) << 2));
      if (endByte - pageStartByte >= <u64>pageBytes) {
        const at = into + <usize>pages * 12;
        store<u32>(at, slot);
        store<u32>(at, value, 4);
        store<u32>(at, rows, 8);
        pages++;
        slotStart = slot;
        valueStart = value;
        pageStartByte = endByte;
        rows = 0;
      }
    }
    if (rowStart) rows++;
    if (maxDefinition == 0 || <u32>load<u16>(definitions + (<usize>slot << 1)) == maxDefinition) value++;
  }
  const at = into + <usize>pages * 12;
  store<u32>(at, slots);
  store<u32>(at, value, 4);
  store<u32>(at, rows, 8);
  return pages + 1;
}
