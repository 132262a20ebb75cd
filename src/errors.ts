/**
 * Start-up and I/O errors: one class, a stable `code`, and a message that is one
 * line saying what happened and what to do. The per-packet path never throws;
 * it counts (see stats/counters.ts).
 */
export type SensorErrorCode =
  | 'CFG_INVALID'
  | 'CFG_OUT_OF_RANGE'
  | 'CAP_NO_DEVICE'
  | 'CAP_PERMISSION'
  | 'CAP_OPEN_FAILED'
  | 'CAP_FILTER'
  | 'CAP_NATIVE_MISSING'
  | 'CAP_PRIVDROP'
  | 'PCAP_BAD_MAGIC'
  | 'PCAP_TRUNCATED'
  | 'PCAP_BAD_RECORD'
  | 'PCAPNG_BAD_BLOCK'
  | 'FILE_OPEN'
  | 'FILE_READ'
  | 'SINK_WRITE'
  | 'SINK_OPEN'
  | 'FLOW_LISTEN'
  | 'INFLUX_AUTH'
  | 'INFLUX_NOT_FOUND'
  | 'MODEL_INVALID'
  | 'XGB_MISSING'
  | 'DATASET_INVALID';

export class SensorError extends Error {
  constructor(
    readonly code: SensorErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SensorError';
  }
}

export function isSensorError(e: unknown): e is SensorError {
  return e instanceof SensorError;
}
