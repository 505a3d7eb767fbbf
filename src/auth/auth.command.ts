import type { MikroORM } from '@mikro-orm/postgresql';
import { CommandError, UsageError } from '../command-line';
import type { AuthConfig } from '../config';
import { createApiKey, listApiKeys, revokeApiKey } from './api-keys';
import { signToken } from './tokens';
import { ALL_SCOPES } from './viewer';

export const AUTH_USAGE = `apikey create --name NAME --scopes a,b   create a partner app's key (printed once; only its hash is kept)
  apikey list                        list keys: id, name, prefix, scopes, created, revoked, last used
  apikey revoke ID | --name NAME     revoke a key (or every active key with that name) at once
  token PERSON                       print a bearer token (12 h) for a person: database id, global ID or email
                                     (development: signed with TRELLIS_JWT_SECRET or the development secret)
  role grant PERSON admin|la_officer [LA code]   give a person a role; role revoke PERSON ROLE [LA code] takes it away
  scopes: ${ALL_SCOPES.join(', ')}`;

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

async function findPerson(orm: MikroORM, who: string | undefined): Promise<{ id: number; full_name: string }> {
  if (!who) throw new UsageError('name a person: a database id, a Person global ID or an email address.');
  const { fromGlobalId } = await import('../core/node');
  const id = /^[0-9]+$/.test(who) ? Number(who) : fromGlobalId(who)?.id;
  const [person]: { id: number; full_name: string }[] = await orm.em
    .getConnection()
    .execute(`select id, full_name from person where ${id ? 'id = ?' : 'lower(email) = lower(?)'} order by id limit 1`, [id ?? who]);
  if (!person) throw new CommandError(`no person is ${who}: give the database id, Person global ID or email of someone in this database.`);
  return person;
}

/** The `apikey`, `token` and `role` commands. Returns what to print. */
export async function runAuthCommand(orm: MikroORM, config: AuthConfig, command: string, args: string[]): Promise<string> {
  const em = orm.em.fork();
  if (command === 'apikey') {
    const [action, ...rest] = args;
    if (action === 'create') {
      const name = option(rest, 'name');
      const scopes = (option(rest, 'scopes') ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      if (!name) throw new UsageError('give the key a --name (the partner app it is for).');
      const unknown = scopes.filter((scope) => !(ALL_SCOPES as readonly string[]).includes(scope));
      if (unknown.length || !scopes.length) {
        throw new UsageError(
          `${unknown.length ? `unknown scope ${unknown.join(', ')}` : 'no --scopes given'}: use a comma-separated list from ${ALL_SCOPES.join(', ')}.`,
        );
      }
      const { key, record } = await createApiKey(em, name, scopes);
      return `${JSON.stringify({ ...record, key }, null, 2)}\nKeep the key now: it is not stored and cannot be shown again.`;
    }
    if (action === 'list') return JSON.stringify(await listApiKeys(em), null, 2);
    if (action === 'revoke') {
      const name = option(rest, 'name');
      if (name !== undefined) {
        // By name: what a person remembers of the app, and what a pasted example can rely on.
        const rows: { id: number }[] = await em
          .getConnection()
          .execute(`update api_key set revoked_at = now() where name = ? and revoked_at is null returning id`, [name]);
        if (!rows.length) throw new CommandError(`no active key is named "${name}": see apikey list for the keys and their names.`);
        return `revoked key${rows.length > 1 ? 's' : ''} ${rows.map((row) => row.id).join(', ')} (${name})`;
      }
      const id = Number(rest[0]);
      if (!Number.isInteger(id) || rest[0] === undefined)
        throw new UsageError(
          rest[0] === undefined
            ? "apikey revoke needs the key's id or --name: see trellis apikey revoke --help."
            : `"${rest[0]}" is not a key id: give the number shown by apikey list, or --name.`,
        );
      if (!(await revokeApiKey(em, id)))
        throw new CommandError(`no active key has id ${id}: see apikey list for the keys and whether they are revoked.`);
      return `revoked key ${id}`;
    }
    throw new UsageError('apikey needs create, list or revoke: see trellis apikey --help.');
  }
  if (command === 'token') {
    const person = await findPerson(orm, args[0]);
    return signToken(config, person.id, { expiresIn: option(args, 'expires') ?? '12h' });
  }
  if (command === 'role') {
    const [action, who, role, la] = args;
    const person = await findPerson(orm, who);
    if (role !== 'admin' && role !== 'la_officer') throw new UsageError(`"${role ?? ''}" is not a role: use admin or la_officer.`);
    if (role === 'la_officer' && !/^[0-9]{3}$/.test(la ?? ''))
      throw new UsageError('an la_officer role needs the three-digit local authority code, e.g. 850.');
    const laCode = role === 'la_officer' ? Number(la) : null;
    if (action === 'grant') {
      await em
        .getConnection()
        .execute(`insert into role_grant (person_id, role, la_code) values (?, ?, ?) on conflict do nothing`, [person.id, role, laCode]);
      return `${person.full_name} (${person.id}) is ${role}${laCode ? ` for LA ${laCode}` : ''}`;
    }
    if (action === 'revoke') {
      await em
        .getConnection()
        .execute(
          `update role_grant set revoked_at = now() where person_id = ? and role = ? and coalesce(la_code, 0) = ? and revoked_at is null`,
          [person.id, role, laCode ?? 0],
        );
      return `${person.full_name} (${person.id}) is no longer ${role}${laCode ? ` for LA ${laCode}` : ''}`;
    }
  }
  throw new UsageError(`trellis ${command} ${args[0] ?? ''} is not a command: see trellis ${command} --help.`);
}
