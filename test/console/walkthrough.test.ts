import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLiveApi, type LiveApi } from '../support/live-api';
import { launchBrowser, screenshot, signIn } from './browser';

/**
 * The seed walkthrough with a mouse, in a real browser (Debian's chromium driven by playwright-core) against
 * the listening API, the real worker on Temporal and the Salesforce simulator.
 */
describe('console walkthrough in a browser', () => {
  let live: LiveApi;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    [live, browser] = await Promise.all([startLiveApi('console'), launchBrowser()]);
    page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  });
  afterAll(async () => {
    await browser?.close();
    await live?.close();
  });

  it('sign in → add → validation → Connected! → Collect Now → done → insights → acknowledge', async () => {
    const org = live.simulator.simulator.control.createOrg({
      users: 40,
      logins: 400,
      seed: 11,
      scenarios: [{ kind: 'bruteForce' }],
    });

    await page.goto(`${live.baseUrl}/`);
    await page.waitForURL(/\/sign-in/);
    await page.getByLabel('API key').fill('ic_not-a-real-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.locator('#sign-in-error').textContent()).toMatch(/not valid|revoked/);
    await screenshot(page, '01-sign-in');

    await signIn(page, live.baseUrl, live.key);
    await expect.poll(() => page.getByText('No integrations yet').count()).toBe(1);
    await screenshot(page, '02-integrations-empty');

    // Add Integration, first with a URL the API refuses: the message shows next to the field.
    await page.getByRole('link', { name: 'Add Integration' }).first().click();
    await page.getByText('How to set up Salesforce').click();
    await expect.poll(() => page.getByText('Enable Client Credentials Flow').isVisible()).toBe(true);
    await page.getByLabel('Display Name').fill('Acme');
    await page.getByLabel('Salesforce URL').fill('https://login.salesforce.com');
    await page.getByLabel('Consumer Key').fill(org.consumerKey);
    await page.getByLabel('Consumer Secret').fill(org.consumerSecret);
    await page.getByRole('button', { name: 'Save' }).click();
    const url = page.getByLabel('Salesforce URL');
    await expect.poll(() => url.getAttribute('aria-invalid')).toBe('true');
    const urlError = await page.locator('#field-salesforceUrl-error').textContent();
    expect(urlError).toMatch(/My Domain/i);
    await screenshot(page, '03-add-integration-validation');

    await url.fill(org.salesforceUrl);
    await page.getByLabel('Consumer Secret').fill(org.consumerSecret);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/\/integrations\/[0-9a-f-]{36}$/);
    const integrationId = page.url().split('/').at(-1)!;

    await page.getByRole('button', { name: 'Test Connectivity' }).click();
    await expect
      .poll(() => page.locator('#connectivity').textContent(), { timeout: 60_000 })
      .toContain('Connected!');
    await screenshot(page, '04-test-connectivity');

    await page.getByRole('button', { name: 'Collect Now' }).click();
    await expect
      .poll(() => page.locator('#progress [data-run-state]').getAttribute('data-run-state'), {
        timeout: 90_000,
      })
      // A 40-user org can finish between two polls on an idle machine: the run view must at least appear.
      .toMatch(/^(running|succeeded)$/);
    await screenshot(page, '05-collection-progress');
    await expect
      .poll(() => page.locator('#progress [data-run-state]').getAttribute('data-run-state'), {
        timeout: 120_000,
        interval: 500,
      })
      .toBe('succeeded');
    // The page refreshes its other fragments once the run settles: read the text once it is back.
    await expect.poll(() => page.locator('#progress').textContent(), { timeout: 30_000 }).toMatch(/User: 40/);
    await screenshot(page, '06-integration-detail');

    await page.goto(`${live.baseUrl}/`);
    await expect.poll(() => page.getByRole('link', { name: 'Acme' }).count()).toBe(1);
    await expect.poll(() => page.locator('.gauge').count()).toBe(1);
    await screenshot(page, '07-integrations-list');

    await page.goto(`${live.baseUrl}/integrations/${integrationId}/insights`);
    // Reports load together and may be retried once the tenant's concurrent-report cap frees (429 → retry).
    await expect
      .poll(() => page.locator('#unused-accounts tbody tr').count(), { timeout: 30_000 })
      .toBeGreaterThan(0);
    await expect.poll(() => page.locator('svg.chart rect').count(), { timeout: 30_000 }).toBeGreaterThan(0);
    const bruteForce = page.locator('#findings tr[data-kind="brute_force"]').first();
    await expect.poll(() => bruteForce.count(), { timeout: 30_000 }).toBe(1);
    await screenshot(page, '08-insights');

    await bruteForce.getByRole('button', { name: /Acknowledge/ }).click();
    await expect.poll(() => page.getByText('Finding marked acknowledged.').count()).toBe(1);
    const acknowledged = await live.services.sql<{ status: string }[]>`
      select status from findings where integration_id = ${integrationId} and kind = 'brute_force'`;
    expect(acknowledged.map((f) => f.status)).toContain('acknowledged');
  });

  it('a failing checklist item shows the Salesforce setup step that fixes it', async () => {
    const org = live.simulator.simulator.control.createOrg({
      users: 10,
      logins: 50,
      runAsCanManageUsers: false,
    });
    const created = await fetch(`${live.baseUrl}/v1/integrations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${live.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        displayName: 'No permissions',
        salesforceUrl: org.salesforceUrl,
        consumerKey: org.consumerKey,
        consumerSecret: org.consumerSecret,
      }),
    });
    const { id } = (await created.json()) as { id: string };
    await page.goto(`${live.baseUrl}/integrations/${id}`);
    await page.getByRole('button', { name: 'Test Connectivity' }).click();
    const result = page.locator('#connectivity');
    await expect.poll(() => result.textContent(), { timeout: 60_000 }).toMatch(/Manage Users/);
    expect(await result.textContent()).not.toContain('Connected!');
    expect(await result.textContent()).toMatch(/Fix/);
    await screenshot(page, '09-checklist-failure');
  });
});
