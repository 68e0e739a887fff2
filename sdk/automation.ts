/**
 * Bots and automated browsers are not profiled (what analytics SDKs do: Plausible and Segment
 * skip `navigator.webdriver` and headless user agents). Sites and tests opt in with
 * `allowAutomation: true` / `data-allow-automation`.
 */
export interface NavigatorLike {
  readonly webdriver?: unknown;
  readonly userAgent?: unknown;
}

const AUTOMATION_USER_AGENT = /HeadlessChrome|PhantomJS|bot\b|crawler|spider|slurp|Lighthouse|Prerender/i;

export function isAutomatedBrowser(navigator: NavigatorLike | undefined): boolean {
  if (navigator === undefined) return true;
  if (navigator.webdriver === true) return true;
  return typeof navigator.userAgent === 'string' && AUTOMATION_USER_AGENT.test(navigator.userAgent);
}
