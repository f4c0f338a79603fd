export { taskSources } from '../../datasets/task-sources.js';
