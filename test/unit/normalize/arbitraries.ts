/** fast-check generators of API-like incidents: mostly valid shapes, with messy values mixed in. */
import fc from 'fast-check';

const messy = fc.oneof(
  fc.constant(null),
  fc.constant(''),
  fc.string({ maxLength: 12 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.array(fc.oneof(fc.string({ maxLength: 5 }), fc.integer()), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.oneof(fc.string({ maxLength: 5 }), fc.integer()), {
    maxKeys: 3,
  }),
);

/** A value of the usual shape most of the time, anything JSON sometimes. */
const usually = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<unknown> =>
  fc.oneof({ weight: 6, arbitrary: arb }, { weight: 1, arbitrary: messy });

const epochMs = fc.integer({ min: 1_600_000_000_000, max: 1_800_000_000_000 });
const isoDate = epochMs.map((ms) => new Date(ms).toISOString());
const isoOffset = epochMs.map((ms) => new Date(ms).toISOString().replace('Z', '+00:00'));
const isoNoMillis = epochMs.map((ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'));
const hex = (n: number) =>
  fc
    .array(fc.constantFrom(...'0123456789abcdef'.split('')), { minLength: n, maxLength: n })
    .map((a) => a.join(''));
const smallId = fc.integer({ min: -1, max: 20 });
const ip = fc.oneof(fc.ipV4(), fc.ipV6(), fc.constant('0.0.0.0'), fc.constant('not-an-ip'));
const word = fc.string({ minLength: 1, maxLength: 16 });
const conclusion = fc.constantFrom(
  'Suspicious Activity',
  'Malicious File',
  'Network Threat',
  'network threat',
  'Breach',
  'Potential Threat',
  'Targeted Attack',
  'Hacktool',
  'Something New',
);

export const eventArb = fc.record(
  {
    type_id: usually(fc.constantFrom(8031, 8001, 8003, 8005, 8007, 8000, 8027, 8040, 1000, 20, 8061)),
    type: usually(word),
    id: usually(smallId),
    uuid: usually(fc.uuid().map((u) => `8031:${u}`)),
    message: usually(word),
    time: usually(fc.oneof(isoDate, isoNoMillis)),
    device_time: usually(fc.oneof(isoDate, epochMs)),
    log_time: usually(isoDate),
    severity_id: usually(fc.integer({ min: 0, max: 7 })),
    category_id: usually(fc.integer({ min: 0, max: 9 })),
    status_id: usually(fc.integer({ min: 0, max: 5 })),
    status_detail: usually(word),
    user_name: usually(word),
    device_uid: usually(word),
    device_name: usually(word),
    device_ip: usually(ip),
    device_domain: usually(word),
    device_os_name: usually(word),
    product_name: usually(word),
    timezone: usually(fc.integer({ min: -720, max: 720 })),
    threat: usually(
      fc.record(
        {
          id: usually(smallId),
          name: usually(word),
          provider: usually(word),
          type_id: usually(smallId),
          risk_id: usually(fc.constantFrom(100, 200, 500)),
        },
        { requiredKeys: [] },
      ),
    ),
    file: usually(
      fc.record(
        {
          path: usually(word),
          name: usually(word),
          sha2: usually(hex(64)),
          md5: usually(hex(32)),
          size: usually(fc.nat()),
        },
        { requiredKeys: [] },
      ),
    ),
    user: usually(fc.record({ name: usually(word) }, { requiredKeys: [] })),
    attacks: usually(
      fc.array(
        fc.record(
          {
            technique_uid: usually(word),
            technique_name: usually(word),
            sub_technique_uid: usually(word),
            tactic_uids: usually(fc.array(word, { maxLength: 3 })),
          },
          { requiredKeys: [] },
        ),
        { maxLength: 3 },
      ),
    ),
    unexpected_field: messy,
  },
  { requiredKeys: [] },
);

export const incidentArb = fc.record(
  {
    incident_uid: usually(fc.uuid()),
    time: usually(fc.oneof(epochMs, epochMs.map(String), isoDate)),
    modified: usually(fc.oneof(isoOffset, isoDate)),
    created: usually(isoOffset),
    device_time: usually(epochMs),
    log_time: usually(isoDate),
    type: usually(fc.constantFrom('INCIDENT_CREATION', 'INCIDENT_UPDATE', 'INCIDENT_CLOSURE')),
    type_id: usually(fc.constantFrom(8075, 8076, 8077, 8078, 9999)),
    event_id: usually(fc.constantFrom(8075004, 80760004, 8077000, 123)),
    id: usually(smallId),
    severity_id: usually(fc.integer({ min: 0, max: 8 })),
    priority_id: usually(smallId),
    state_id: usually(smallId),
    resolution_id: usually(smallId),
    category_id: usually(smallId),
    ref_incident_uid: usually(fc.nat()),
    conclusion: usually(conclusion),
    rule_name: usually(word),
    message: usually(word),
    remediation: usually(word),
    product_name: usually(word),
    detection_type: usually(word),
    suspected_breach: usually(fc.constantFrom('Yes', 'No', 'yes', 'NO', 'maybe')),
    incident_url: usually(fc.oneof(fc.webUrl(), fc.constant('not a url'))),
    version: usually(fc.constant('1.0')),
    events: usually(
      fc.array(fc.oneof({ weight: 8, arbitrary: eventArb }, { weight: 1, arbitrary: messy }), {
        maxLength: 4,
      }),
    ),
    extra_vendor_field: messy,
  },
  { requiredKeys: [] },
);
