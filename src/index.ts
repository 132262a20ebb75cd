/**
 * peng-ts as a library: the building blocks of the sensor, so a pipeline can
 * be assembled in a few lines (README, "As a library").
 *
 * source -> decode -> detectors -> sinks
 */
export { FileSource } from './capture/file-source.js';
export type { CaptureSource, CaptureStats, PacketHandler } from './capture/source.js';
export { decode } from './decode/decode.js';
export { PacketView, Layer, TcpFlag, Evasion, SctpChunk, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_SCTP } from './decode/packet-view.js';
export { Reassembler } from './decode/fragments.js';
export { defaultReassembler } from './decode/module.js';
export { DecodeStatus, DECODE_STATUS_NAMES } from './decode/status.js';
export { CidrSet } from './decode/cidr-set.js';
export { ipv4ToString, ipv6ToString, parseIpv4, parseIpv6 } from './decode/address.js';
export type { Detector } from './detect/detector.js';
export { EntropyDetector, type EntropyOptions } from './detect/entropy/detector.js';
export { PortBitmap, binEntropy, totalEntropy } from './detect/entropy/bitmap.js';
export { pengHash, spreadHash, bitsPerBin, type PortHash, type BitmapGeometry } from './detect/entropy/hash.js';
export { Pipeline } from './pipeline.js';
export { Output } from './output.js';
export { Sensor } from './sensor.js';
export { StatsRegistry } from './stats/counters.js';
export { ConsoleSink } from './sink/console.js';
export { FrameCsvSink } from './sink/csv.js';
export type { Sink } from './sink/sink.js';
export type { FrameStat, ScanEvent, StatsSnapshot, SensorRecord } from './sink/schema.js';
export { SensorError } from './errors.js';
