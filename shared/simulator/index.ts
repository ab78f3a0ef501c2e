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
  auditDelivery,
  type DeliveryAudit,
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
export {
  type ConnectionFact,
  eventMs,
  type FileFact,
  generateTelemetry,
  type IncidentFact,
  type ProcessFact,
  type TelemetryDataSet,
  type TelemetryEvent,
  type TelemetryOptions,
  type TelemetryTruth,
} from './telemetry-generator.ts';
