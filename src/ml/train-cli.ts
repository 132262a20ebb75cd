import { parseCli, renderHelp } from '../config/cli.js';
import { defineModule, num, str } from '../config/params.js';
import { SensorError } from '../errors.js';
import { readDatasets } from './dataset.js';
import { trainModel } from './train.js';
import { loadXgboost } from './xgboost-native.js';

export const trainModule = defineModule({
  name: 'train',
  help: 'peng-ts train sessions.csv [more.csv...] --model model.json: gradient-boosted trees on duration, SYN, ACK, FIN, RST, URG, PSH, trained by libxgboost.',
  params: [
    { name: 'model', type: 'string', help: 'Where to write the model (XGBoost JSON; the name must end in .json).' },
    { name: 'rounds', type: 'int', default: 210, min: 1, max: 100_000, unit: 'trees', help: 'Boosting rounds (XGBClassifier n_estimators; nmap-harvester uses 210).' },
    { name: 'seed', type: 'int', default: 0, min: 0, max: 2 ** 31 - 1, help: 'XGBoost seed; with one thread the same data and seed give the same file byte for byte.' },
    { name: 'max-depth', type: 'int', default: 6, min: 1, max: 32, unit: 'levels', help: 'Deepest tree (XGBoost max_depth).' },
    { name: 'eta', type: 'float', default: 0.3, min: 0.0001, max: 1, help: 'Learning rate (XGBoost eta).' },
  ],
  counters: [],
});

/** Split positional file names from options (every train option takes a value). */
function splitArgs(argv: string[]): { files: string[]; options: string[] } {
  const files: string[] = [];
  const options: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('-') && a.length > 1) {
      options.push(a);
      if (!a.includes('=') && i + 1 < argv.length) options.push(argv[++i]);
    } else files.push(a);
  }
  return { files, options };
}

/** `peng-ts train ...`: returns the exit code. */
export async function trainMain(argv: string[]): Promise<number> {
  if (argv.some((a) => a === '--help' || a === '-help' || a === '-h')) {
    process.stdout.write(renderHelp([trainModule], true) + '\n');
    return 0;
  }
  const { files, options } = splitArgs(argv);
  const p = parseCli(options, [trainModule]);
  const model = str(p, 'model');
  if (model === undefined || !model.endsWith('.json')) {
    throw new SensorError('CFG_INVALID', 'train: give --model FILE.json (XGBoost writes JSON for a .json name)');
  }
  if (files.length === 0) throw new SensorError('CFG_INVALID', 'train: give one or more CSV files written by peng-ts sessions');
  const d = readDatasets(files);
  let pos = 0;
  for (let i = 0; i < d.rows; i++) pos += d.y[i];
  const o = { rounds: num(p, 'rounds'), seed: num(p, 'seed'), maxDepth: num(p, 'max-depth'), eta: num(p, 'eta') };
  trainModel(d, model, o);
  process.stderr.write(
    `peng-ts: trained ${o.rounds} trees with XGBoost ${loadXgboost()!.version()} on ${d.rows} sessions (${pos} scan, ${d.rows - pos} benign` +
      `${d.unlabelled > 0 ? `; ${d.unlabelled} unlabelled skipped` : ''}): ${model}\n`,
  );
  return 0;
}
