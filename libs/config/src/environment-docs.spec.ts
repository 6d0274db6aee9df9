import { getMetadataStorage } from 'class-validator';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Environment } from './environment';

const ROOT = join(__dirname, '..', '..', '..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

/** Every variable Polaris reads, from the validation metadata (optional ones have no default to enumerate). */
const variables = [
  ...new Set(
    getMetadataStorage()
      .getTargetValidationMetadatas(Environment, '', true, false)
      .map((m) => m.propertyName),
  ),
];
const defaults = new Environment() as unknown as Record<string, unknown>;
const shown = (name: string) => (defaults[name] === undefined || defaults[name] === '' ? undefined : String(defaults[name]));

/** The README and .env.example are the configuration's documentation; they must not drift from the code. */
describe('configuration docs', () => {
  it('finds the variables', () => {
    expect(variables.length).toBeGreaterThan(30);
    expect(variables).toEqual(expect.arrayContaining(['ADMIN_TOKEN', 'QUEUE_REDIS_URL', 'PORT']));
  });

  it.each(variables)('README documents %s with its default', (name) => {
    const configuration = read('README.md').split('\n### Configuration')[1].split('\n#')[0];
    const row = configuration.split('\n').find((line) => line.startsWith(`| \`${name}\` |`));
    expect(row).toBeDefined();
    const value = shown(name);
    if (value !== undefined) expect(row!.split('|')[2].trim()).toBe(`\`${value}\``);
  });

  it.each(variables)('.env.example lists %s with its default', (name) => {
    const line = read('.env.example')
      .split('\n')
      .find((l) => new RegExp(`^#? ?${name}=`).test(l));
    expect(line).toBeDefined();
    const value = shown(name);
    if (value !== undefined) expect(line!.replace(/\s+#.*$/, '')).toBe(`${name}=${value}`);
  });
});
