/**
 * A small CloudFormation intrinsic-function resolver for the deploy rehearsal: it turns the synthesized
 * template's Refs, GetAtts, Joins, Subs and Ifs into the values CloudFormation would give, using
 * parameter values (defaults unless overridden), pseudo parameters and the physical ids of the
 * resources the rehearsal created. An intrinsic it does not know, or a reference to a resource it did
 * not create, is an error naming it (never a silently wrong value).
 */

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Condition?: string;
  DependsOn?: string | string[];
  Metadata?: Record<string, unknown>;
}

export interface CfnTemplate {
  Parameters?: Record<string, { Type: string; Default?: unknown }>;
  Conditions?: Record<string, unknown>;
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, unknown>;
}

/** Physical id (`Ref`) and attributes (`Fn::GetAtt`) of a resource the rehearsal created. */
export interface PhysicalResource {
  ref: string;
  attrs: Record<string, string>;
}

export interface Pseudo {
  accountId: string;
  region: string;
  partition: string;
  stackName: string;
}

/** `{"Ref": "AWS::NoValue"}`: removed from lists and objects. */
export const NO_VALUE: unique symbol = Symbol('AWS::NoValue');

export class TemplateResolver {
  readonly parameters: Record<string, string>;

  constructor(
    readonly template: CfnTemplate,
    readonly pseudo: Pseudo,
    overrides: Record<string, string>,
    readonly resources: Map<string, PhysicalResource> = new Map(),
  ) {
    this.parameters = {};
    for (const [name, p] of Object.entries(template.Parameters ?? {})) {
      if (name in overrides) this.parameters[name] = String(overrides[name]);
      else if (p.Default !== undefined) this.parameters[name] = String(p.Default);
    }
    for (const name of Object.keys(overrides)) {
      if (!(name in this.parameters)) throw new Error(`No parameter "${name}" in the template`);
    }
  }

  /** True when the resource has no Condition or its condition holds. */
  exists(logicalId: string): boolean {
    const r = this.template.Resources[logicalId];
    if (!r) return false;
    return r.Condition === undefined || this.condition(r.Condition);
  }

  condition(name: string): boolean {
    const expr = this.template.Conditions?.[name];
    if (expr === undefined) throw new Error(`Unknown condition "${name}"`);
    return this.truth(expr);
  }

  private truth(expr: unknown): boolean {
    if (typeof expr === 'boolean') return expr;
    const [fn, arg] = single(expr);
    const args = arg as unknown[];
    switch (fn) {
      case 'Fn::Equals':
        return String(this.resolve(args[0])) === String(this.resolve(args[1]));
      case 'Fn::Not':
        return !this.truth(args[0]);
      case 'Fn::And':
        return args.every((a) => this.truth(a));
      case 'Fn::Or':
        return args.some((a) => this.truth(a));
      case 'Condition':
        return this.condition(String(arg));
      default:
        throw new Error(`Unsupported condition function ${fn}`);
    }
  }

  /** Resolve any template value; lists and objects lose their AWS::NoValue members. */
  resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v)).filter((v) => v !== NO_VALUE);
    if (value === null || typeof value !== 'object') return value;
    const keys = Object.keys(value);
    if (keys.length === 1 && (keys[0]?.startsWith('Fn::') || keys[0] === 'Ref')) {
      return this.intrinsic(keys[0], (value as Record<string, unknown>)[keys[0]]);
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const r = this.resolve(v);
      if (r !== NO_VALUE) out[k] = r;
    }
    return out;
  }

  /** Resolve to a string (numbers and booleans as CloudFormation renders them). */
  string(value: unknown): string {
    const r = this.resolve(value);
    if (typeof r === 'string') return r;
    if (typeof r === 'number' || typeof r === 'boolean') return String(r);
    throw new Error(`Expected a string, got ${JSON.stringify(r)}`);
  }

  private intrinsic(fn: string, arg: unknown): unknown {
    switch (fn) {
      case 'Ref':
        return this.ref(String(arg));
      case 'Fn::GetAtt': {
        const [id, attr] = Array.isArray(arg) ? arg : String(arg).split(/\.(.*)/s);
        return this.getAtt(String(id), String(attr));
      }
      case 'Fn::Join': {
        const [sep, list] = arg as [string, unknown];
        const items = this.resolve(list) as unknown[];
        return items.map((i) => this.string(i)).join(sep);
      }
      case 'Fn::If': {
        const [cond, yes, no] = arg as [string, unknown, unknown];
        return this.resolve(this.condition(cond) ? yes : no);
      }
      case 'Fn::Sub': {
        const [text, vars] = Array.isArray(arg)
          ? (arg as [string, Record<string, unknown>])
          : [String(arg), {}];
        return text.replace(/\$\{([^}!][^}]*)\}/g, (_, name: string) => {
          if (name in vars) return this.string(vars[name]);
          if (name.includes('.')) {
            const [id, attr] = name.split(/\.(.*)/s);
            return this.getAtt(String(id), String(attr));
          }
          return this.string(this.ref(name));
        });
      }
      case 'Fn::Select': {
        const [index, list] = arg as [unknown, unknown];
        return (this.resolve(list) as unknown[])[Number(this.resolve(index))];
      }
      case 'Fn::Split': {
        const [sep, text] = arg as [string, unknown];
        return this.string(text).split(sep);
      }
      default:
        throw new Error(`Unsupported intrinsic ${fn}`);
    }
  }

  private ref(name: string): unknown {
    switch (name) {
      case 'AWS::NoValue':
        return NO_VALUE;
      case 'AWS::AccountId':
        return this.pseudo.accountId;
      case 'AWS::Region':
        return this.pseudo.region;
      case 'AWS::Partition':
        return this.pseudo.partition;
      case 'AWS::StackName':
        return this.pseudo.stackName;
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
    }
    if (name in this.parameters) return this.parameters[name];
    const r = this.resources.get(name);
    if (r) return r.ref;
    if (this.template.Parameters?.[name]) throw new Error(`Parameter "${name}" has no value`);
    throw new Error(`Ref to "${name}", which the rehearsal did not create`);
  }

  private getAtt(id: string, attr: string): string {
    const r = this.resources.get(id);
    const value = r?.attrs[attr];
    if (value === undefined) {
      throw new Error(`Fn::GetAtt ${id}.${attr}: ${r ? 'attribute not known' : 'resource not created'}`);
    }
    return value;
  }
}

function single(expr: unknown): [string, unknown] {
  if (expr === null || typeof expr !== 'object' || Array.isArray(expr)) {
    throw new Error(`Expected an intrinsic function, got ${JSON.stringify(expr)}`);
  }
  const entries = Object.entries(expr);
  if (entries.length !== 1) throw new Error(`Expected one key, got ${Object.keys(expr).join(', ')}`);
  return entries[0] as [string, unknown];
}
