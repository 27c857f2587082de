import { ValidationError, ValidationPipe } from '@nestjs/common';
import type { ValidatorOptions } from 'class-validator';
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

/**
 * DTO properties set to null, nested DTOs included. class-validator's @IsOptional lets null through as if the field
 * were absent, but the services then read it (`scheduledAt: null` threw, `html: null` was stored as "null"). Inside
 * free-form maps (settings, credentials, overrides: plain objects, not DTO instances) null keeps its meaning.
 */
export function nullDtoFields(dto: object): ValidationError[] {
  const errors: ValidationError[] = [];
  for (const [property, value] of Object.entries(dto)) {
    if (value === null) {
      errors.push({ property, value, constraints: { notNull: `${property} must not be null; leave it out instead` } });
    } else if (isDtoInstance(value)) {
      const children = nullDtoFields(value);
      if (children.length > 0) errors.push({ property, value, children });
    }
  }
  return errors;
}

function isDtoInstance(v: unknown): v is object {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto !== Object.prototype && proto !== null;
}

class CrierValidationPipe extends ValidationPipe {
  protected override validate(object: object, options?: ValidatorOptions) {
    const nulls = isDtoInstance(object) ? nullDtoFields(object) : [];
    return nulls.length > 0 ? nulls : super.validate(object, options);
  }
}

export function validationPipe(): ValidationPipe {
  return new CrierValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: true,
    exceptionFactory: (errors) => new BadInput(describeValidationErrors(errors).join('; ')),
  });
}
