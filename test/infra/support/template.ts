import { Stage, type Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';

/** A CloudFormation resource as the assertions library returns it. */
export interface CfnResource {
  Type: string;
  Properties?: Record<string, any>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

/** Resources of one type by logical ID. */
export function resourcesOf(template: Template, type: string): [string, CfnResource][] {
  return Object.entries(template.findResources(type) as Record<string, CfnResource>);
}

/** Logical IDs of one resource type, sorted, for exact comparison with a pinned list. */
export function logicalIdsOf(template: Template, type: string): string[] {
  return resourcesOf(template, type)
    .map(([id]) => id)
    .sort();
}

/** The logical ID a `{ Ref }` or `{ Fn::GetAtt }` points at. */
export function referencedId(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const ref = (value as { Ref?: unknown }).Ref;
  if (typeof ref === 'string') return ref;
  const getAtt = (value as { 'Fn::GetAtt'?: unknown })['Fn::GetAtt'];
  return Array.isArray(getAtt) && typeof getAtt[0] === 'string' ? getAtt[0] : undefined;
}

/**
 * cdk-nag's AwsSolutions findings for a stack that were not acknowledged, errors and warnings alike, as
 * readable lines. cdk-nag v3 reports through CDK's policy validation, not annotations, so the pack is run
 * directly on the construct tree.
 */
export function unacknowledgedNagFindings(stack: Stack): string[] {
  const report = new AwsSolutionsChecks().validateScope(stack);
  return report.violations.flatMap((violation) =>
    violation.violatingResources.map((resource) => `${violation.severity} ${violation.ruleName} at ${resource.constructPath}`),
  );
}

/**
 * Warnings and errors CDK attached to a stack while synthesizing (deprecations, cross-stack reference
 * advice, validation). Read from the app's cached assembly: `Annotations.fromStack` would re-synthesize
 * the whole app on every call.
 */
export function cdkWarningsAndErrors(stack: Stack): string[] {
  const assembly = Stage.of(stack)!.synth();
  return assembly
    .getStackArtifact(stack.artifactId)
    .messages.filter((message) => message.level !== 'info')
    .map((message) => `${message.level} at ${message.id}: ${String(message.entry.data)}`);
}
