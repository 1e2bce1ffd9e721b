import { rulesToAST } from '@casl/ability/extra';
import type { Action, AppAbility, Subject } from './ability.js';

export interface SqlCondition {
  sql: string;
  params: Record<string, unknown>;
}

interface AstNode {
  operator: string;
  field?: string;
  value: unknown;
}

/**
 * Translates the ability's rules for (action, subject) into a SQL WHERE fragment for TypeORM's
 * query builder, so lists are filtered by the database, never in memory. It walks CASL's rule
 * AST (rulesToAST): and/or/not nodes and eq/ne/in/nin field conditions; `columns` maps the
 * condition fields to SQL expressions. Anything else throws, so a rule that cannot be
 * translated never silently widens access. No rule at all gives FALSE.
 */
export function abilityToSql(
  ability: AppAbility,
  action: Action,
  subject: Exclude<Subject, 'all'>,
  columns: Record<string, string>,
  paramPrefix = 'ab',
): SqlCondition {
  const params: Record<string, unknown> = {};
  let n = 0;
  const param = (v: unknown) => {
    const name = `${paramPrefix}${n++}`;
    params[name] = v;
    return name;
  };
  const column = (f: string | undefined) => {
    const col = f ? columns[f] : undefined;
    if (!col) throw new Error(`abilityToSql: no column for field "${f}"`);
    return col;
  };
  const walk = (node: AstNode): string => {
    const children = () => (node.value as AstNode[]).map(walk);
    switch (node.operator) {
      case 'and': {
        const c = children();
        return c.length ? `(${c.join(' AND ')})` : 'TRUE';
      }
      case 'or': {
        const c = children();
        return c.length ? `(${c.join(' OR ')})` : 'FALSE';
      }
      case 'not':
        return `NOT ${children()[0] ?? 'TRUE'}`;
      case 'eq':
        return `${column(node.field)} = :${param(node.value)}`;
      case 'ne':
        return `${column(node.field)} IS DISTINCT FROM :${param(node.value)}`;
      case 'in':
        return (node.value as unknown[]).length
          ? `${column(node.field)} IN (:...${param(node.value)})`
          : 'FALSE';
      case 'nin':
        return (node.value as unknown[]).length
          ? `${column(node.field)} NOT IN (:...${param(node.value)})`
          : 'TRUE';
      default:
        throw new Error(`abilityToSql: unsupported operator ${node.operator}`);
    }
  };
  const ast = rulesToAST(ability, action, subject) as AstNode | null;
  if (ast === null) return { sql: 'FALSE', params };
  return { sql: walk(ast), params };
}
