export {
  type Fault,
  FaultController,
  type FaultKind,
  type FaultTarget,
  parseFault,
  type RandomFaults,
  RECOVERABLE_FAULTS,
} from './faults.ts';
export { generateIncidents, type IncidentRecord, isoOffset } from './generator.ts';
export {
  GroundTruth,
  type Observability,
  recordTime,
  type ScanTruth,
  type ServedItem,
  type TruthMode,
  type VersionTruth,
  versionKey,
} from './ground-truth.ts';
export {
  DEFAULT_PERSONALITY,
  DEFAULT_RESULT_CAP,
  describePersonality,
  PERSONALITY_PRESETS,
  type Personality,
  parsePersonality,
  personalityMatrix,
  resolvePersonality,
} from './personality.ts';
export { parseQuery, QuerySyntaxError } from './query.ts';
export {
  type RequestLogEntry,
  type RunningSimulator,
  SIMULATOR_CLIENT_ID,
  SIMULATOR_CLIENT_SECRET,
  type SimulatorClock,
  type SimulatorOptions,
  startSimulator,
} from './server.ts';
