/**
 * The demo of the release story on the embedded registry, behind `tagkeeper demo`.
 *
 * @packageDocumentation
 */
export { runDemo, type DemoOptions, type DemoResult, type DemoTag } from './demo.js';
export { DEMO_PLATFORMS, buildTar, pushDemoBuild, type DemoBuild } from './images.js';
export { demoFollowUpCommands, formatDemoPolicy, writeDemoPolicy } from './policy-file.js';
export { DEMO_POLICY, DEMO_RESOLVE_TAGS, DEMO_STEPS, type DemoStep } from './steps.js';
