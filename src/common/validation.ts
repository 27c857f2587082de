import { ValidationError, ValidationPipe } from '@nestjs/common';
import { BadInput } from './errors';

/** One sentence per failed field, each naming the field by its full path (e.g. `article.url`). */
export function describeValidationErrors(errors: ValidationError[], parent = ''): string[] {
  const out: string[] = [];
  for (const e of errors) {
    const path = parent ? `${parent}.${e.property}` : e.property;
    for (const message of Object.values(e.constraints ?? {})) {
      out.push(message.startsWith(e.property) ? path + message.slice(e.property.length) : `${path}: ${message}`);
    }
    if (e.children?.length) out.push(...describeValidationErrors(e.children, path));
  }
  return out;
}

export function validationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: true,
    exceptionFactory: (errors) => new BadInput(describeValidationErrors(errors).join('; ')),
  });
}
