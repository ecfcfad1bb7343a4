/**
 * Reads a Lambda REQUEST authorizer's result the way API Gateway does: any matching explicit Deny wins,
 * otherwise a matching Allow admits; resources may use `*` and `?` wildcards. The context must be a flat
 * map of strings, numbers and booleans, or API Gateway fails the authorization.
 */
export type AuthorizerDecision =
  | { effect: 'Allow'; authorizer: Record<string, unknown> }
  | { effect: 'Deny' }
  | { effect: 'Invalid'; reason: string };

interface Statement {
  Effect?: unknown;
  Action?: unknown;
  Resource?: unknown;
}

export function evaluateAuthorizerResult(result: unknown, methodArn: string): AuthorizerDecision {
  if (typeof result !== 'object' || result === null) return { effect: 'Invalid', reason: 'authorizer returned no policy' };
  const { principalId, policyDocument, context } = result as { principalId?: unknown; policyDocument?: { Statement?: unknown }; context?: unknown };
  const rawStatements = policyDocument?.Statement;
  const statements = (Array.isArray(rawStatements) ? rawStatements : rawStatements ? [rawStatements] : []) as Statement[];
  if (statements.length === 0) return { effect: 'Invalid', reason: 'policy has no statements' };

  const applies = (statement: Statement) => matchesAny(statement.Action, 'execute-api:Invoke') && matchesAny(statement.Resource, methodArn);
  if (statements.some((s) => s.Effect === 'Deny' && applies(s))) return { effect: 'Deny' };
  if (!statements.some((s) => s.Effect === 'Allow' && applies(s))) return { effect: 'Deny' };

  if (context !== undefined && context !== null) {
    if (typeof context !== 'object' || Array.isArray(context)) return { effect: 'Invalid', reason: 'context must be an object' };
    for (const [key, value] of Object.entries(context)) {
      if (!['string', 'number', 'boolean'].includes(typeof value)) {
        return { effect: 'Invalid', reason: `context.${key} must be a string, number or boolean` };
      }
    }
  }
  return { effect: 'Allow', authorizer: { ...(context as Record<string, unknown> | undefined), principalId: principalId === undefined ? undefined : String(principalId) } };
}

function matchesAny(patterns: unknown, value: string): boolean {
  const list = Array.isArray(patterns) ? patterns : [patterns];
  return list.some((pattern) => typeof pattern === 'string' && globToRegExp(pattern).test(value));
}

function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.');
  return new RegExp(`^${body}$`);
}
