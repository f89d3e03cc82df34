import { request } from 'undici';
import {
  startSimulator,
  type CreatedOrg,
  type OrgSpec,
  type RunningSimulator,
  type SimulatorControl,
} from '../../simulator/index';

export interface TokenBody {
  access_token: string;
  instance_url: string;
  id: string;
  token_type: string;
  issued_at: string;
  signature: string;
  [key: string]: unknown;
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- assertions read Salesforce bodies of many shapes
  json: any;
}

export interface TestOrg {
  running: RunningSimulator;
  url: string;
  control: SimulatorControl;
  org: CreatedOrg;
  token(): Promise<string>;
  get(path: string, options?: { token?: string | null; headers?: Record<string, string> }): Promise<Reply>;
  query(
    soql: string,
    options?: { token?: string; headers?: Record<string, string>; all?: boolean },
  ): Promise<Reply>;
  close(): Promise<void>;
}

export async function send(url: string, init: Parameters<typeof request>[1] = {}): Promise<Reply> {
  const response = await request(url, init);
  const text = await response.body.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.statusCode, headers: response.headers, text, json };
}

export function tokenRequest(
  baseUrl: string,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
) {
  return send(`${baseUrl}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}

/** A real HTTP simulator on a free port with one org; callers close it. */
export async function startOrg(spec: OrgSpec = {}): Promise<TestOrg> {
  const running = await startSimulator({ port: 0, clock: { frozen: true, start: Date.UTC(2025, 5, 2, 12) } });
  const { control } = running.simulator;
  const org = control.createOrg({ key: 'acme', users: 60, logins: 3000, seed: 11, ...spec });
  let cached: string | null = null;
  const token = async () => {
    const reply = await tokenRequest(org.salesforceUrl, {
      grant_type: 'client_credentials',
      client_id: org.consumerKey,
      client_secret: org.consumerSecret,
    });
    if (reply.status !== 200) throw new Error(`token request failed: ${reply.text}`);
    return (reply.json as TokenBody).access_token;
  };
  const get: TestOrg['get'] = async (path, options = {}) => {
    const url = path.startsWith('http') ? path : `${org.salesforceUrl}${path}`;
    const attempt = async (bearer: string | null) => {
      const headers: Record<string, string> = { ...options.headers };
      if (bearer) headers.authorization = `Bearer ${bearer}`;
      return send(url, { headers });
    };
    if (options.token !== undefined) return attempt(options.token);
    // Like a real client: on 401 INVALID_SESSION_ID, get a new token once and retry.
    const reply = await attempt((cached ??= await token()));
    if (reply.status !== 401) return reply;
    cached = await token();
    return attempt(cached);
  };
  return {
    running,
    url: running.url,
    control,
    org,
    token,
    get,
    query: (soql, options = {}) =>
      get(
        `/services/data/v62.0/${options.all ? 'queryAll' : 'query'}?q=${encodeURIComponent(soql)}`,
        options,
      ),
    close: () => running.close(),
  };
}
