/**
 * How fast the simulator serves LoginHistory pages: `npm run bench -- simulator [--logins 1000000]`.
 * Prints generation time, pages/s and rows/s over real HTTP (with and without gzip), and RSS. Client and
 * server share this process, so the figures include client-side JSON parsing.
 */
import { gunzipSync } from 'node:zlib';
import { Agent, request } from 'undici';
import { clientCredentialsRequest, startSimulator } from '../simulator';

const mb = (bytes: number) => Math.round(bytes / 1_048_576);

export async function simulatorSpeed(options: { logins: number }): Promise<boolean> {
  const rows = options.logins;
  const running = await startSimulator({ port: 0 });
  const rssBefore = process.memoryUsage().rss;
  const started = performance.now();
  const org = running.simulator.control.createOrg({ key: 'speed', users: 5000, logins: rows, seed: 7 });
  const generationMs = performance.now() - started;
  global.gc?.();
  const rssAfterGeneration = process.memoryUsage().rss;

  const dispatcher = new Agent({ connections: 1, pipelining: 1 });
  try {
    const tokenRequest = clientCredentialsRequest(org);
    const token = (await (
      await request(tokenRequest.url, { ...tokenRequest.init, dispatcher })
    ).body.json()) as { access_token: string; instance_url: string };

    const collect = async (gzip: boolean) => {
      const headers: Record<string, string> = { authorization: `Bearer ${token.access_token}` };
      if (gzip) headers['accept-encoding'] = 'gzip';
      const soql =
        'SELECT Id, UserId, LoginTime, LoginType, Status, SourceIp, Application, Browser, Platform, CountryIso, LoginGeo.City, LoginGeo.Country FROM LoginHistory WHERE LoginTime >= 2000-01-01T00:00:00Z ORDER BY LoginTime ASC';
      let url = `${token.instance_url}/services/data/v62.0/query?q=${encodeURIComponent(soql)}`;
      let pages = 0;
      let records = 0;
      let bytes = 0;
      let peakRss = 0;
      const start = performance.now();
      for (;;) {
        const response = await request(url, { headers, dispatcher });
        const raw = Buffer.from(await response.body.arrayBuffer());
        bytes += raw.byteLength;
        const text = gzip ? gunzipSync(raw).toString() : raw.toString();
        const page = JSON.parse(text) as { done: boolean; nextRecordsUrl?: string; records: unknown[] };
        pages++;
        records += page.records.length;
        if (pages % 50 === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
        if (page.done) break;
        url = `${token.instance_url}${page.nextRecordsUrl}`;
      }
      const seconds = (performance.now() - start) / 1000;
      return {
        gzip,
        pages,
        records,
        seconds: +seconds.toFixed(2),
        pagesPerSecond: Math.round(pages / seconds),
        rowsPerSecond: Math.round(records / seconds),
        wireMB: mb(bytes),
        peakRssMB: mb(Math.max(peakRss, process.memoryUsage().rss)),
      };
    };

    const plain = await collect(false);
    const compressed = await collect(true);
    console.log(
      JSON.stringify(
        {
          rows,
          generationMs: Math.round(generationMs),
          rssBeforeMB: mb(rssBefore),
          rssAfterGenerationMB: mb(rssAfterGeneration),
          plain,
          compressed,
        },
        null,
        2,
      ),
    );
    // Every row served exactly once, with and without compression.
    return plain.records === rows && compressed.records === rows;
  } finally {
    await dispatcher.close();
    await running.close();
  }
}
