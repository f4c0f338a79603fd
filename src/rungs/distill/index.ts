export { distillRung } from './distill-rung.js';
export { labelInputs, type TeacherAnswer, type TeacherRun } from './label-inputs.js';
