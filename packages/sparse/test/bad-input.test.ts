/**
 * Bad input to @ad/sparse gives a typed error naming the function, or a documented result. The
 * outcomes are docs/errors.md's @ad/sparse section.
 */
import { catalogue } from '@ad/test-support/bad-input-catalogue';
import { detectionCases } from './bad-input-detect.js';
import { transformCases } from './bad-input-transforms.js';

catalogue('@ad/sparse', [...detectionCases, ...transformCases]);
