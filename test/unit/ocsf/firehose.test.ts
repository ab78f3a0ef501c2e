import { join } from 'node:path';
import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { OcsfFirehoseSink, parseOcsfStreams } from '../../../shared/ocsf/firehose.ts';
import { mapEvent, mapIncident } from '../../../shared/ocsf/index.ts';
import { REFERENCE, readJson } from './helpers.ts';

describe('OCSF to the per-class Firehose streams', () => {
  it('reads OCSF_STREAMS and refuses a malformed entry, naming it', () => {
    expect([...parseOcsfStreams('2004=a-1,1007=b')]).toEqual([
      [2004, 'a-1'],
      [1007, 'b'],
    ]);
    expect(parseOcsfStreams('').size).toBe(0);
    expect(() => parseOcsfStreams('2004:a')).toThrow(/OCSF_STREAMS: "2004:a"/);
  });

  it('sends each record, in its row form, to the stream of its class', async () => {
    const mock = mockClient(FirehoseClient);
    mock.on(PutRecordBatchCommand).resolves({ FailedPutCount: 0, RequestResponses: [{ RecordId: '1' }] });
    const sink = new OcsfFirehoseSink(
      new Map([
        [2004, 'findings'],
        [0, 'other'],
      ]),
      { client: new FirehoseClient({}) },
    );
    const finding = mapIncident(
      readJson(join(REFERENCE, 'fixtures', 'elastic-incident-input.ndjson')),
      'id-1',
    );
    const other = mapEvent({ type_id: 8099, time: '2024-01-01T00:00:00Z', device_name: 'h' }, 'id-2');
    if (!finding.ok || !other.ok) throw new Error('fixtures must map');
    await expect(sink.write([finding.value, other.value])).resolves.toEqual({ written: 2 });
    const calls = mock.commandCalls(PutRecordBatchCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => c.DeliveryStreamName).sort()).toEqual(['findings', 'other']);
    const sent = JSON.parse(
      Buffer.from(calls.find((c) => c.DeliveryStreamName === 'findings')!.Records![0]!.Data!).toString(),
    );
    expect(sent.metadata.uid).toBe('id-1');
    // json_t attributes travel as JSON text, as the Glue schema types them.
    expect(typeof sent.unmapped).toBe('string');
    await expect(new OcsfFirehoseSink(new Map()).write([finding.value])).rejects.toThrow(
      /No OCSF stream for class 2004/,
    );
    mock.restore();
  });
});
