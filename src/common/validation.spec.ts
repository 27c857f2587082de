import 'reflect-metadata';
import { ArgumentMetadata, HttpException } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsObject, IsOptional, IsString, ValidateNested } from 'class-validator';
import { validationPipe } from './validation';

class Inner {
  @IsOptional()
  @IsString()
  html?: string;
}

class Outer {
  @IsOptional()
  @IsString()
  scheduledAt?: string;

  @IsOptional()
  @ValidateNested()
  @Type(() => Inner)
  article?: Inner;

  @IsOptional()
  @IsObject()
  settings?: Record<string, unknown>;
}

const body: ArgumentMetadata = { type: 'body', metatype: Outer };

async function refusal(value: unknown): Promise<unknown> {
  try {
    await validationPipe().transform(value, body);
  } catch (e) {
    return (e as HttpException).getResponse();
  }
  throw new Error('expected a refusal');
}

describe('validationPipe and null', () => {
  it('refuses null for a DTO property, nested DTOs included, naming the field', async () => {
    expect(await refusal({ scheduledAt: null })).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'scheduledAt must not be null; leave it out instead',
    });
    expect(await refusal({ article: { html: null } })).toMatchObject({
      message: 'article.html must not be null; leave it out instead',
    });
  });

  it('keeps null inside free-form maps, where it means "remove"', async () => {
    const dto = (await validationPipe().transform({ settings: { template: null } }, body)) as Outer;
    expect(dto.settings).toEqual({ template: null });
  });

  it('still validates everything else as before', async () => {
    expect(await refusal({ scheduledAt: 5 })).toMatchObject({ message: 'scheduledAt must be a string' });
    expect(await refusal({ nope: 1 })).toMatchObject({ message: 'nope: property nope should not exist' });
    await expect(validationPipe().transform({ scheduledAt: 'x', article: { html: '<p>' } }, body)).resolves.toEqual(
      expect.objectContaining({ scheduledAt: 'x' }),
    );
  });
});
