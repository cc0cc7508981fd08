import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDateString, IsEmail, IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { AUDIT_ACTOR_TYPES, AuditActorType, AuditEventEntity, COORDINATOR_ROLES, COORDINATOR_STATUSES, CoordinatorEntity, CoordinatorRole, CoordinatorStatus, CoordinatorTokenEntity } from '@app/db';
import { Trim } from '../common/dto';

export class InviteCoordinatorDto {
  @ApiProperty({ example: 'Tereza Novak', maxLength: 200 })
  @Trim()
  @MaxLength(200)
  @IsNotEmpty()
  @IsString()
  name!: string;

  @ApiProperty({ example: 'tereza@example.org' })
  @Trim()
  @MaxLength(320)
  @IsEmail({}, { message: 'email must be an email address' })
  email!: string;

  @ApiProperty({ enum: COORDINATOR_ROLES, description: 'viewer: reads only; coordinator: runs the network; treasurer: a coordinator who also approves payouts and ledger postings' })
  @IsIn(COORDINATOR_ROLES)
  role!: CoordinatorRole;
}

export class UpdateCoordinatorDto {
  @ApiPropertyOptional({ enum: COORDINATOR_ROLES })
  @IsOptional()
  @IsIn(COORDINATOR_ROLES)
  role?: CoordinatorRole;

  @ApiPropertyOptional({ enum: ['active', 'disabled'], description: 'disabled: every session and token of the account is refused at once; active: enabled again' })
  @IsOptional()
  @IsIn(['active', 'disabled'])
  status?: 'active' | 'disabled';
}

export class CoordinatorDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() email!: string;
  @ApiProperty({ enum: COORDINATOR_ROLES }) role!: CoordinatorRole;
  @ApiProperty({ enum: COORDINATOR_STATUSES }) status!: CoordinatorStatus;
  @ApiProperty({ description: 'coordinator:<id> or bootstrap' }) invitedBy!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, nullable: true, format: 'date-time', description: 'When the invitation was accepted (first sign-in)' }) activatedAt!: string | null;

  static from(c: CoordinatorEntity): CoordinatorDto {
    return { id: c.id, name: c.name, email: c.email, role: c.role, status: c.status, invitedBy: c.invitedBy, createdAt: c.createdAt.toISOString(), activatedAt: c.activatedAt?.toISOString() ?? null };
  }
}

export class WhoAmIDto {
  @ApiProperty({ enum: ['bootstrap', 'coordinator'], description: 'bootstrap: the operations token (every right); coordinator: a person' }) kind!: 'bootstrap' | 'coordinator';
  @ApiProperty({ type: CoordinatorDto, nullable: true }) coordinator!: CoordinatorDto | null;
  @ApiProperty({ type: String, enum: ['session', 'token'], nullable: true }) via!: 'session' | 'token' | null;
}

export class CoordinatorListDto {
  @ApiProperty({ type: [CoordinatorDto] }) items!: CoordinatorDto[];
}

export class CreatePersonalTokenDto {
  @ApiProperty({ example: 'reporting script', maxLength: 100, description: 'What the token is for, to recognise it later' })
  @Trim()
  @MaxLength(100)
  @IsNotEmpty()
  @IsString()
  name!: string;
}

export class PersonalTokenDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, nullable: true, format: 'date-time', description: 'Noted at most once a minute' }) lastUsedAt!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) revokedAt!: string | null;

  static from(t: CoordinatorTokenEntity): PersonalTokenDto {
    return { id: t.id, name: t.name, createdAt: t.createdAt.toISOString(), lastUsedAt: t.lastUsedAt?.toISOString() ?? null, revokedAt: t.revokedAt?.toISOString() ?? null };
  }
}

export class IssuedPersonalTokenDto extends PersonalTokenDto {
  @ApiProperty({ description: 'The token itself (dpn_crd_…): shown only now, stored only as its hash. Send it as Authorization: Bearer on /admin routes.' })
  token!: string;
}

export class PersonalTokenListDto {
  @ApiProperty({ type: [PersonalTokenDto] }) items!: PersonalTokenDto[];
}

/** `coordinator:<uuid>`, `member:<uuid>`, `node:<uuid>`, or a kind alone (`bootstrap`, `anonymous`, `coordinator`…). */
const ACTOR_FILTER = new RegExp(`^(${AUDIT_ACTOR_TYPES.join('|')})(:[0-9a-fA-F-]{36})?$`);

export class AuditQuery {
  @ApiPropertyOptional({ example: 'coordinator:7f1c4c8e-8c1e-4d1e-9a7b-2f0a4d3b9c11', description: 'Who: a kind (coordinator, bootstrap, member, node, system, anonymous), or kind:id' })
  @IsOptional()
  @Matches(ACTOR_FILTER, { message: 'actor must be a kind (coordinator, bootstrap, member, node, system, anonymous) or kind:<uuid>' })
  actor?: string;

  @ApiPropertyOptional({ example: '/admin/rounds', description: 'Route templates starting with this' })
  @IsOptional()
  @MaxLength(200)
  @Matches(/^\//, { message: 'route must start with /' })
  route?: string;

  @ApiPropertyOptional({ description: 'A resource id (or other route parameter) the request named' })
  @IsOptional()
  @Trim()
  @MaxLength(100)
  @IsNotEmpty()
  resource?: string;

  @ApiPropertyOptional({ enum: ['ok', 'refused'], description: 'ok: answered below 400; refused: 400 and above' })
  @IsOptional()
  @IsIn(['ok', 'refused'])
  outcome?: 'ok' | 'refused';

  @ApiPropertyOptional({ format: 'date-time', description: 'From this time (inclusive)' })
  @IsOptional()
  @IsDateString({ strict: true })
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Before this time (exclusive)' })
  @IsOptional()
  @IsDateString({ strict: true })
  to?: string;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @MaxLength(200)
  @IsString()
  cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @Max(200)
  @Min(1)
  @IsInt()
  limit?: number;
}

export class AuditActorDto {
  @ApiProperty({ enum: AUDIT_ACTOR_TYPES }) type!: AuditActorType;
  @ApiProperty({ type: String, nullable: true, format: 'uuid' }) id!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'The name when the request was made' }) name!: string | null;
  @ApiProperty({ type: String, nullable: true, enum: ['session', 'token'] }) via!: string | null;
}

export class AuditEventDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty({ type: AuditActorDto }) actor!: AuditActorDto;
  @ApiProperty({ example: 'POST' }) method!: string;
  @ApiProperty({ example: '/admin/rounds/:id/payout/approve' }) route!: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, example: { id: '7f1c4c8e-8c1e-4d1e-9a7b-2f0a4d3b9c11' } }) params!: Record<string, string>;
  @ApiProperty({ example: 200 }) status!: number;
  @ApiProperty({ type: String, nullable: true, example: 'forbidden_role', description: 'The problem code of a refused request' }) code!: string | null;
  @ApiProperty({ type: String, nullable: true }) requestId!: string | null;

  static from(e: AuditEventEntity): AuditEventDto {
    return {
      id: e.id,
      at: e.occurredAt.toISOString(),
      actor: { type: e.actorType, id: e.actorId, name: e.actorName, via: e.via },
      method: e.method,
      route: e.route,
      params: e.params,
      status: e.status,
      code: e.code,
      requestId: e.requestId,
    };
  }
}

export class AuditPageDto {
  @ApiProperty({ type: [AuditEventDto] }) items!: AuditEventDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as cursor for the next (older) page; null on the last page' }) nextCursor!: string | null;
}

export class CoordinatorSignInLinkDto {
  @ApiProperty({ example: 'tereza@example.org' })
  @Trim()
  @MaxLength(320)
  @IsEmail({}, { message: 'email must be an email address' })
  email!: string;
}

export class OpenCoordinatorSessionDto {
  @ApiProperty({ description: 'The token of an emailed console link (the part after #console-link=)' })
  @MaxLength(2000)
  @IsString()
  link!: string;
}

export class CoordinatorSessionDto {
  @ApiProperty({ type: CoordinatorDto, nullable: true, description: 'Who is signed in to the console; null when nobody is' }) coordinator!: CoordinatorDto | null;
  @ApiProperty({ description: 'A console cookie came with the request but it has expired, was signed out, or its account was disabled' }) expired!: boolean;
  @ApiProperty({ type: String, nullable: true, description: 'Send it as X-CSRF-Token with every POST, PUT, PATCH and DELETE made with the console cookie' }) csrfToken!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) expiresAt!: string | null;
}
