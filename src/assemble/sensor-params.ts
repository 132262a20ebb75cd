import { defineModule } from '../config/params.js';

/** The hash seed of a replay when --hash-seed is not given: any fixed number does. */
export const REPLAY_HASH_SEED = 1;

/** What is local, how chatty to be, and the options about options (help, config file, version). */
export const sensorParams = defineModule({
  name: 'sensor',
  help: 'What is local, and how much the sensor says.',
  params: [
    {
      name: 'local-net',
      type: 'list',
      default: [],
      help: 'CIDRs of the watched network (comma-separated or repeated). SYNs to them are SERVER traffic. Live default: the interface\'s addresses; replay needs it.',
      aliases: ['local-nets', 'L'],
    },
    { name: 'verbose', peng: true, type: 'int', default: 1, min: 0, max: 3, help: 'Peng\'s levels: 0 quiet, 1 frame totals, 2 + per-bin entropies and periodic stats, 3 + bitmaps and one line per counted SYN.', aliases: ['v'] },
    {
      name: 'hash-seed',
      type: 'int',
      min: 0,
      max: 4294967295,
      help: `Seed of every table and sketch hash. Unset: ${REPLAY_HASH_SEED} for a replay (-r), so the same capture gives the same counts every run; random per run for live capture and flows, so nobody can aim traffic at one table slot.`,
      advanced: true,
    },
    {
      name: 'config',
      type: 'string',
      help: 'Read options from this YAML file: keys are the long option names (timeFrame: 1m, local-net: [10.1.0.0/16], alerts: /var/log/peng-ts/alerts.jsonl); options on the command line override it.',
    },
    { name: 'version', peng: true, type: 'bool', default: false, help: 'Print the version and exit.' },
    { name: 'help-config', type: 'bool', default: false, help: 'Print every option of every module with default, unit and range, then exit.', advanced: true },
    { name: 'help-counts', type: 'bool', default: false, help: 'Print every counter with its meaning, then exit.', advanced: true },
  ],
  counters: [],
});
