// A zip file built in memory, for the Lambda tests: no dependency, no file on disk.

/** The table of CRC-32 (the zip format's checksum), by byte. */
const CRC_TABLE = Array.from({ length: 256 }, (_, byte) => {
  let crc = byte;
  for (let bit = 0; bit < 8; bit += 1) crc = crc & 1 ? 0xedb88320 ^ (crc >>> 1) : crc >>> 1;
  return crc >>> 0;
});

function crc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = (CRC_TABLE[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** A zip holding one stored (uncompressed) file `name` with `text`. */
export function zipOf(name: string, text: string): Buffer {
  const fileName = Buffer.from(name);
  const data = Buffer.from(text);
  const crc = crc32(data);
  // Version 2.0, no flags, stored, 1980-01-01 00:00.
  const common = (header: Buffer, at: number): number => {
    at = header.writeUInt16LE(20, at);
    at = header.writeUInt16LE(0, at);
    at = header.writeUInt16LE(0, at);
    at = header.writeUInt16LE(0, at);
    at = header.writeUInt16LE(0x21, at);
    at = header.writeUInt32LE(crc, at);
    at = header.writeUInt32LE(data.length, at);
    at = header.writeUInt32LE(data.length, at);
    at = header.writeUInt16LE(fileName.length, at);
    return header.writeUInt16LE(0, at);
  };
  const local = Buffer.alloc(30);
  common(local, local.writeUInt32LE(0x04034b50, 0));
  const central = Buffer.alloc(46);
  let at = central.writeUInt32LE(0x02014b50, 0);
  at = central.writeUInt16LE(20, at);
  // Comment length, disk, internal and external attributes stay 0; the local header is at 0.
  common(central, at);
  const end = Buffer.alloc(22);
  at = end.writeUInt32LE(0x06054b50, 0);
  at = end.writeUInt16LE(0, at);
  at = end.writeUInt16LE(0, at);
  at = end.writeUInt16LE(1, at);
  at = end.writeUInt16LE(1, at);
  at = end.writeUInt32LE(central.length + fileName.length, at);
  end.writeUInt32LE(local.length + fileName.length + data.length, at);
  return Buffer.concat([local, fileName, data, central, fileName, end]);
}
