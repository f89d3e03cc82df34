import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../platform/api-keys';
import { startLiveApi, type LiveApi } from '../support/live-api';
import { launchBrowser, screenshot } from './browser';

/** A read key (GET /v1/session says scope "read") sees every page but no action buttons. */
describe('console with a read-only key', () => {
  let live: LiveApi;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    [live, browser] = await Promise.all([startLiveApi('console-read'), launchBrowser()]);
    page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  });
  afterAll(async () => {
    await browser?.close();
    await live?.close();
  });

  it('shows the integration and its findings without Test Connectivity, Collect Now or Acknowledge', async () => {
    const org = live.simulator.simulator.control.createOrg({ users: 10, logins: 50 });
    const created = await fetch(`${live.baseUrl}/v1/integrations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${live.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        displayName: 'Read only',
        salesforceUrl: org.salesforceUrl,
        consumerKey: org.consumerKey,
        consumerSecret: org.consumerSecret,
      }),
    });
    const { id } = (await created.json()) as { id: string };
    const { key } = await createApiKey(live.services.sql, {
      tenantName: live.tenantName,
      name: 'auditor',
      scope: 'read',
    });

    // The one-click link npm start prints: the key travels in the URL fragment, never to the server.
    await page.goto(`${live.baseUrl}/sign-in#key=${key}`);
    await page.waitForURL(`${live.baseUrl}/`);
    expect(page.url()).not.toContain(key);
    await expect.poll(() => page.getByRole('link', { name: 'Read only' }).count()).toBe(1);
    await expect.poll(() => page.locator('#who').textContent()).toBe('Read-only key');

    await page.goto(`${live.baseUrl}/integrations/${id}`);
    await expect.poll(() => page.getByText('Read-only key: actions are hidden.').count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Test Connectivity' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Collect Now' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Disconnect' }).count()).toBe(0);
    await screenshot(page, '10-read-only-detail');

    await page.goto(`${live.baseUrl}/integrations/new`);
    await expect.poll(() => page.getByText('This API key is read-only').count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Save' }).count()).toBe(0);
  });
});
