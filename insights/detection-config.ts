import { parseIntegrationOptions } from '../platform/integration-options';
import { detectionThresholdsSchema, type DetectionThresholds } from '../platform/detection-thresholds';

/** The thresholds an integration's stored options ask for (validated overrides on top of the defaults). */
export function detectionConfigFromOptions(options: unknown): DetectionThresholds {
  return detectionThresholdsSchema.parse(parseIntegrationOptions(options).detection);
}

/**
 * How far before `since` an incremental recompute must re-read LoginHistory so every window-based rule sees
 * complete windows for the new rows. Rules that look further back (dormancy, new country, the previous
 * location for impossible travel) read per-user state through indexes instead of rescanning.
 */
export function largestRuleWindowMinutes(config: DetectionThresholds): number {
  return Math.max(
    config.bruteForceWindowMinutes,
    config.passwordSprayWindowMinutes,
    config.countryHopWindowMinutes,
  );
}
