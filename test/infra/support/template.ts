import { NestedStack, Stage, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
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

/**
 * One template with the resources of a stack and of every nested stack under it (the app stack keeps its
 * functions in nested stacks), so assertions can follow a function to its alias, role and mapping. A
 * reference that crosses into a nested stack reads as a parameter there; assertions on wiring inside one
 * stack (function, role, alias, mapping) are unaffected.
 */
export function withNestedStacks(stack: Stack): Template {
  const nested = stack.node.findAll().filter((c): c is NestedStack => NestedStack.isNestedStack(c));
  const parts = [stack, ...nested].map((s) => Template.fromStack(s).toJSON() as { Resources?: Record<string, unknown> });
  const resources: Record<string, unknown> = {};
  for (const part of parts) {
    for (const [id, resource] of Object.entries(part.Resources ?? {})) {
      if (id in resources) throw new Error(`logical id ${id} appears in two stacks`);
      resources[id] = resource;
    }
  }
  return Template.fromJSON({ ...parts[0], Resources: resources });
}
