/** Stack naming and template rendering as the engine uses them (implemented in stack-name.ts and template.ts). */
export { stackName } from './stack-name.ts';
export { renderTemplate } from './template.ts';
