export { classifierRung, classifierPredictor } from './classifier-rung.js';
export { classifierDefaults, classifierParams, validateClassifierParams, resolveEmbedTemplate, PROMPT_EOL_TEMPLATE, type ClassifierParams } from './classifier-params.js';
export { createFeaturizer, embedText, ngramFeatures, truncateInput, type FeatureConfig, type FeatureKind, type Featurizer } from './features.js';
export { trainSoftmaxHead, predictProbabilities, argmax, type SoftmaxHead, type HeadOptions, type HeadTraining } from './softmax-head.js';
export { saveHead, loadHead, type HeadFile } from './head-file.js';
export { labelWithTeacher, type TeacherLabelling } from './teacher-labels.js';
export { restoreClassifier } from './restore-classifier.js';
