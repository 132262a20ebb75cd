// pcap-parser ships no types; bench/run.ts casts what it uses (parse → 'packet'/'end' events).
declare module 'pcap-parser';
