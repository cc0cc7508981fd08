import { ApiProperty, PickType } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import type { JobView } from '@app/contracts';
import type { JobContext, JobEntity, NodeTokenEntity, OwnedNodeRow } from '@app/db';
import { Trim } from '../common/dto';
import { JobDto } from '../jobs/jobs.dto';
import { CreateNodeDto, NodeDto } from '../nodes/nodes.dto';

/** A node as its operator sees it: the registry's record, where it is, and its load. */
export class OperatorNodeDto extends NodeDto {
  @ApiProperty({ nullable: true, type: String }) locationName!: string | null;
  @ApiProperty({ description: 'Work-in-progress limit: jobs accepted and not yet delivered; at the limit no new offers come' }) wipLimit!: number;
  @ApiProperty({ description: 'Jobs accepted and not yet delivered now' }) load!: number;
  @ApiProperty({ description: 'Offers waiting for this node’s answer now' }) openOffers!: number;

  static fromRow(r: OwnedNodeRow): OperatorNodeDto {
    return { ...NodeDto.from(r.node), locationName: r.locationName, wipLimit: r.node.wipLimit, load: r.load, openOffers: r.openOffers };
  }
}

export class OperatorNodeListDto {
  @ApiProperty({ type: [OperatorNodeDto] }) items!: OperatorNodeDto[];
}

/** What documents a deliverable needs: a design or a test report is delivered as documents. */
const DOCUMENT_DELIVERABLES = ['design', 'test-report'];

/** A job as a node's operator sees it: the job, what it is in words, and whether the node is to answer it now. */
export class OperatorJobDto extends JobDto {
  @ApiProperty({ nullable: true, type: String, description: 'The task’s title or the product’s name' }) title!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'The project, or the asset and quarter of an order' }) forWhat!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'What the job delivers (design, test-report, goods, upgrade), when a project task says' }) deliverable!: string | null;
  @ApiProperty({ description: 'Completing it needs at least one document (a design or a test report)' }) documentsRequired!: boolean;
  @ApiProperty({ nullable: true, type: String, description: 'The offer this node is to answer now (accept, reject, counter), if any' }) openOfferId!: string | null;
  @ApiProperty({ description: 'An earlier delivery was rejected: this is the job again, for rework' }) rework!: boolean;
  @ApiProperty({ nullable: true, type: String, example: 'Paid in output: 20 kg tomatoes of Community greenhouse, 2027-Q2', description: 'A job paid in output, in words (see creditPrice)' })
  paidInOutput!: string | null;

  static fromJob(nodeId: string, j: JobEntity, ctx: JobContext | undefined, live?: JobView | null, paidInOutput: string | null = null): OperatorJobDto {
    const dto = JobDto.from(j, live);
    const last = dto.offers.at(-1);
    return {
      ...dto,
      title: ctx?.title ?? null,
      forWhat: ctx?.forWhat ?? null,
      deliverable: ctx?.deliverable ?? null,
      documentsRequired: DOCUMENT_DELIVERABLES.includes(ctx?.deliverable ?? ''),
      openOfferId: dto.status === 'offered' && last && last.nodeId === nodeId && last.answer === null ? last.offerId : null,
      rework: dto.runs.some((r) => r.confirmation === 'rejected'),
      paidInOutput,
    };
  }
}

export class OperatorJobGroupDto {
  @ApiProperty({ type: [OperatorJobDto] }) items!: OperatorJobDto[];
  @ApiProperty({ description: 'How many there are in all (items shows the first ones)' }) total!: number;
}

/** The node's work on one page: what to answer, what it holds, what awaits confirmation, what ended lately. */
export class OperatorWorkDto {
  @ApiProperty({ type: OperatorJobGroupDto, description: 'Offers waiting for this node’s answer, soonest due first' }) offers!: OperatorJobGroupDto;
  @ApiProperty({ type: OperatorJobGroupDto, description: 'Jobs accepted or in progress, soonest due first' }) inHand!: OperatorJobGroupDto;
  @ApiProperty({ type: OperatorJobGroupDto, description: 'Delivered, waiting for the recipient to confirm' }) delivered!: OperatorJobGroupDto;
  @ApiProperty({ type: OperatorJobGroupDto, description: 'Confirmed, cancelled or failed, latest first' }) ended!: OperatorJobGroupDto;
}

export class OperatorJobPageDto {
  @ApiProperty({ type: [OperatorJobDto] }) items!: OperatorJobDto[];
  @ApiProperty() total!: number;
  @ApiProperty() limit!: number;
  @ApiProperty() offset!: number;
}

/** The operator may change where webhooks go (nothing else of the registry's record). */
export class UpdateWebhookDto extends PickType(CreateNodeDto, ['webhookUrl'] as const) {}

export class CreateOperatorTokenDto {
  @ApiProperty({ example: 'workshop server' }) @Trim() @MaxLength(100) @IsNotEmpty() @IsString() name!: string;
}

export class NodeTokenDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;

  static from(t: NodeTokenEntity): NodeTokenDto {
    return { id: t.id, name: t.name, createdAt: t.createdAt.toISOString() };
  }
}

export class NodeTokenListDto {
  @ApiProperty({ type: [NodeTokenDto] }) items!: NodeTokenDto[];
}

/** A new token: shown this once (only its SHA-256 is stored). */
export class IssuedNodeTokenDto extends NodeTokenDto {
  @ApiProperty({ example: 'dpn_node_…', description: 'Send it as Authorization: Bearer … to /nodes/me/*. Shown once: store it now.' }) token!: string;
}
