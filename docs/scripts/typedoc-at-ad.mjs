// A TypeDoc plugin for the API reference of the @ad packages. It does two things.
//
// 1. Names each module after its package. The entry points are packages/<name>/src/index.ts, so
//    TypeDoc would call the modules "core/src", "forward/src", …; we call them "@ad/core", … and
//    give each the description from its package.json (the index files' header comments are not
//    module comments to TypeDoc, which wants a @module tag we cannot add from here).
//
// 2. Mends one wrinkle of our doc comments: they name the toolkit "@ad" in running
// text ("every error @ad throws"), and TSDoc reads "@ad" there as a block tag, so TypeDoc warns
// about an unknown tag and, worse, cuts the sentence in two. We register "@ad" as a block tag
// (no warning) and, once comments are parsed, put each such "tag" back into the text it was cut
// from. Remove this plugin once the comments write `@ad` in backticks or escape it as \@ad.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Application, Comment, Converter, ReflectionKind } from 'typedoc';

const packages = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'packages');

/** @param {Application} app */
export function load(app) {
  app.on(Application.EVENT_BOOTSTRAP_END, () => {
    const tags = app.options.getValue('blockTags');
    if (!tags.includes('@ad')) app.options.setValue('blockTags', [...tags, '@ad']);
  });

  app.converter.on(Converter.EVENT_CREATE_DECLARATION, (_context, reflection) => {
    const match = reflection.kindOf(ReflectionKind.Module) && /^([a-z]+)\/src$/.exec(reflection.name);
    if (!match) return;
    const pkg = JSON.parse(readFileSync(join(packages, match[1], 'package.json'), 'utf8'));
    reflection.name = pkg.name;
    if (!reflection.comment) reflection.comment = new Comment([{ kind: 'text', text: pkg.description }]);
  });

  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    const mend = (comment) => {
      if (!comment) return;
      const kept = [];
      let target = comment.summary;
      for (const tag of comment.blockTags) {
        if (tag.tag === '@ad') {
          target.push({ kind: 'text', text: ' @ad ' }, ...tag.content);
        } else {
          kept.push(tag);
          target = tag.content;
        }
      }
      comment.blockTags = kept;
    };
    for (const reflection of Object.values(context.project.reflections)) {
      mend(reflection.comment);
    }
  });
}
