// Pure rules of extensions.

/** Why `minutes` more cannot be asked for on this grant, or undefined if it can. */
export function extensionProblem(
  minutes: number,
  request: { durationMinutes: number; extendedMinutes: number; emergency: boolean },
  policy: { maxDurationMinutes: number; emergencyMaxDurationMinutes: number } | null,
): string | undefined {
  if (!policy) return 'No access policy covers this environment any more.';
  const max = request.emergency ? policy.emergencyMaxDurationMinutes : policy.maxDurationMinutes;
  const left = max - request.durationMinutes - request.extendedMinutes;
  if (left <= 0) return `This grant already has the policy's maximum of ${max} minutes.`;
  if (minutes < 1 || minutes > left) return `minutes must be from 1 to ${left}: the policy allows at most ${max} minutes in all for this grant.`;
  return undefined;
}
