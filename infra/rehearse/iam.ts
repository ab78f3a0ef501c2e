/**
 * IAM sufficiency and minimality for the deploy rehearsal: every AWS call a function made (moto's
 * recorder) is turned into an IAM action and resource ARN and checked against the statements of the
 * function's role as resolved from the template, with IAM's wildcard rules (`*`, `?`; actions
 * case-insensitive). moto 5.2's own IAM enforcement ignores resource ARNs, hence this check.
 */
import { type RecordedRequest, recordedBody } from './moto.ts';
import type { TemplateResolver } from './template.ts';

/** One AWS call as IAM sees it. */
export interface AwsCall {
  action: string;
  resource: string;
}

export interface Statement {
  sid?: string;
  effect: 'Allow' | 'Deny';
  actions: string[];
  resources: string[];
  /** Statements with a Condition are reported, not evaluated (the rehearsal has no request context). */
  hasCondition: boolean;
  /** Where the statement comes from (policy logical id). */
  source: string;
}

export interface CallVerdict extends AwsCall {
  count: number;
  allowed: boolean;
  /** Sid or source of the statement that allows (or denies) it. */
  by?: string;
}

export interface UnusedGrant {
  action: string;
  resources: string[];
  statement: string;
}

export interface IamReport {
  role: string;
  calls: CallVerdict[];
  denied: CallVerdict[];
  unused: UnusedGrant[];
  /** Managed policies or conditional statements the check could not evaluate. */
  notEvaluated: string[];
}

/** IAM wildcard match: `*` any run, `?` one character. */
export function iamMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const re = new RegExp(
    `^${pattern
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('')}$`,
    ignoreCase ? 'is' : 's',
  );
  return re.test(value);
}

const list = (v: unknown): string[] =>
  v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)];

/** The statements attached to role `roleLogicalId`: inline policies and AWS::IAM::Policy resources. */
export function roleStatements(
  r: TemplateResolver,
  roleLogicalId: string,
): { statements: Statement[]; notEvaluated: string[] } {
  const statements: Statement[] = [];
  const notEvaluated: string[] = [];
  const role = r.template.Resources[roleLogicalId];
  if (!role) throw new Error(`No role ${roleLogicalId} in the template`);
  const roleProps = r.resolve(role.Properties ?? {}) as Record<string, unknown>;
  const roleName = r.resources.get(roleLogicalId)?.ref;
  for (const m of list(roleProps.ManagedPolicyArns)) notEvaluated.push(`managed policy ${m}`);
  const add = (doc: unknown, source: string) => {
    const raw = (doc as { Statement?: unknown } | undefined)?.Statement;
    for (const s of Array.isArray(raw) ? raw : raw ? [raw] : []) {
      const st = s as Record<string, unknown>;
      if (st.NotAction || st.NotResource) {
        notEvaluated.push(`${source}/${String(st.Sid ?? '?')}: NotAction/NotResource`);
        continue;
      }
      const statement: Statement = {
        ...(st.Sid ? { sid: String(st.Sid) } : {}),
        effect: st.Effect === 'Deny' ? 'Deny' : 'Allow',
        actions: list(st.Action),
        resources: list(st.Resource),
        hasCondition: st.Condition !== undefined,
        source,
      };
      if (statement.hasCondition) notEvaluated.push(`${source}/${statement.sid ?? '?'}: has a Condition`);
      statements.push(statement);
    }
  };
  for (const p of (roleProps.Policies as Array<{ PolicyName: string; PolicyDocument: unknown }>) ?? []) {
    add(p.PolicyDocument, `${roleLogicalId}/${p.PolicyName}`);
  }
  for (const [id, res] of Object.entries(r.template.Resources)) {
    if (res.Type !== 'AWS::IAM::Policy' && res.Type !== 'AWS::IAM::ManagedPolicy') continue;
    if (!r.exists(id)) continue;
    const roles = (res.Properties?.Roles as unknown[] | undefined) ?? [];
    const attached = roles.some((x) => {
      const ref = (x as { Ref?: string }).Ref;
      return ref === roleLogicalId || (roleName !== undefined && x === roleName);
    });
    if (!attached) continue;
    const props = r.resolve(res.Properties ?? {}) as Record<string, unknown>;
    add(props.PolicyDocument, id);
  }
  return { statements, notEvaluated };
}

/**
 * API operations authorized by another operation's IAM action (service authorization reference):
 * SNS PublishBatch needs sns:Publish.
 */
const IAM_ACTION_OF: Record<string, string> = { 'sns:PublishBatch': 'sns:Publish' };

/** Map a recorded request to its IAM action and resource ARN. */
/**
 * An S3 REST request (path-style, as the SDK sends to an IP endpoint, or virtual-hosted) as the IAM
 * action that authorizes it: object reads (GET, HEAD: s3:GetObject, or s3:GetObjectVersion with a
 * versionId), writes (PUT: s3:PutObject), deletes, and bucket listing. Anything else stays unmapped
 * (and so fails the check until it is mapped here).
 */
function s3Call(req: RecordedRequest): AwsCall | undefined {
  const url = new URL(req.url);
  const host = (req.headers.Host ?? req.headers.host ?? url.host).split(':')[0] ?? '';
  const parts = url.pathname.split('/').slice(1).map(decodeURIComponent);
  // Virtual-hosted style: <bucket>.s3.<region>.amazonaws.com/<key> or <bucket>.localhost/<key>.
  const virtual = /^(.+?)\.(s3[.-]|localhost)/.exec(host)?.[1];
  const bucket = virtual ?? parts.shift();
  const key = parts.join('/');
  if (!bucket) return undefined;
  const subresource = [...url.searchParams.keys()].filter((k) => !k.startsWith('x-id'));
  if (key) {
    const resource = `arn:aws:s3:::${bucket}/${key}`;
    const versioned = url.searchParams.has('versionId');
    if ((req.method === 'GET' || req.method === 'HEAD') && subresource.every((k) => k === 'versionId'))
      return { action: versioned ? 's3:GetObjectVersion' : 's3:GetObject', resource };
    if (req.method === 'PUT' && subresource.length === 0) return { action: 's3:PutObject', resource };
    if (req.method === 'DELETE' && subresource.every((k) => k === 'versionId'))
      return { action: versioned ? 's3:DeleteObjectVersion' : 's3:DeleteObject', resource };
    return undefined;
  }
  if (
    req.method === 'GET' &&
    subresource.every((k) =>
      ['list-type', 'prefix', 'continuation-token', 'max-keys', 'delimiter'].includes(k),
    )
  )
    return { action: 's3:ListBucket', resource: `arn:aws:s3:::${bucket}` };
  return undefined;
}

export function callOf(req: RecordedRequest, region: string, account: string): AwsCall {
  const auth = req.headers.Authorization ?? req.headers.authorization ?? '';
  const scope = auth.match(/Credential=[^/]+\/\d+\/([^/]+)\/([^/]+)\/aws4_request/);
  const service = scope?.[2] ?? 'unknown';
  const callRegion = scope?.[1] ?? region;
  const target = req.headers['X-Amz-Target'] ?? req.headers['x-amz-target'];
  const text = recordedBody(req);
  let action: string;
  let body: Record<string, unknown> = {};
  if (target) {
    action = target.slice(target.lastIndexOf('.') + 1);
    try {
      body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      body = {};
    }
  } else if ((req.headers['Content-Type'] ?? '').includes('x-www-form-urlencoded')) {
    const form = new URLSearchParams(text);
    action = form.get('Action') ?? 'Unknown';
    body = Object.fromEntries(form.entries());
  } else if (service === 's3') {
    const s3 = s3Call(req);
    if (s3) return s3;
    action = `${req.method} ${new URL(req.url).pathname}`;
  } else {
    action = `${req.method} ${new URL(req.url).pathname}`;
  }
  const a = (svc: string, rest: string) => `arn:aws:${svc}:${callRegion}:${account}:${rest}`;
  const asArn = (v: unknown, build: (name: string) => string) => {
    const s = String(v);
    return s.startsWith('arn:') ? s : build(s);
  };
  let resource = '*';
  switch (service) {
    case 'dynamodb':
      if (body.TableName) resource = asArn(body.TableName, (n) => a('dynamodb', `table/${n}`));
      break;
    case 'secretsmanager':
      if (body.SecretId) resource = asArn(body.SecretId, (n) => a('secretsmanager', `secret:${n}`));
      break;
    case 'firehose':
      if (body.DeliveryStreamName)
        resource = a('firehose', `deliverystream/${String(body.DeliveryStreamName)}`);
      break;
    case 'events': {
      const entries = (body.Entries as Array<{ EventBusName?: string }> | undefined) ?? [];
      const bus = entries[0]?.EventBusName ?? 'default';
      resource = asArn(bus, (n) => a('events', `event-bus/${n}`));
      break;
    }
    case 'sns':
      resource = String(body.TopicArn ?? body.TargetArn ?? '*');
      break;
    case 'sqs':
      if (body.QueueUrl) resource = a('sqs', String(body.QueueUrl).split('/').pop() ?? '');
      break;
    case 'logs':
      if (body.logGroupName) resource = a('logs', `log-group:${String(body.logGroupName)}:*`);
      break;
    case 'kms':
      if (body.KeyId) resource = asArn(body.KeyId, (n) => a('kms', `key/${n}`));
      break;
  }
  const api = `${service}:${action}`;
  return { action: IAM_ACTION_OF[api] ?? api, resource };
}

/** Check every call against the statements; list allowed actions no call used. */
export function checkCalls(
  role: string,
  calls: AwsCall[],
  statements: Statement[],
  notEvaluated: string[],
): IamReport {
  const grouped = new Map<string, CallVerdict>();
  for (const c of calls) {
    const key = `${c.action} ${c.resource}`;
    const v = grouped.get(key);
    if (v) v.count++;
    else grouped.set(key, { ...c, count: 1, allowed: false });
  }
  const matches = (s: Statement, c: AwsCall) =>
    s.actions.some((p) => iamMatch(p, c.action, true)) && s.resources.some((p) => iamMatch(p, c.resource));
  for (const v of grouped.values()) {
    const deny = statements.find((s) => s.effect === 'Deny' && matches(s, v));
    const allow = statements.find((s) => s.effect === 'Allow' && !s.hasCondition && matches(s, v));
    v.allowed = !deny && allow !== undefined;
    const by = deny ?? allow;
    if (by) v.by = by.sid ?? by.source;
  }
  const verdicts = [...grouped.values()].sort((x, y) => x.action.localeCompare(y.action));
  const unused: UnusedGrant[] = [];
  for (const s of statements) {
    if (s.effect !== 'Allow') continue;
    for (const action of s.actions) {
      const used = verdicts.some(
        (v) => iamMatch(action, v.action, true) && s.resources.some((p) => iamMatch(p, v.resource)),
      );
      if (!used) unused.push({ action, resources: s.resources, statement: s.sid ?? s.source });
    }
  }
  return { role, calls: verdicts, denied: verdicts.filter((v) => !v.allowed), unused, notEvaluated };
}
