import { Module } from '@nestjs/common';
import { NodesLibModule } from '@app/nodes';
import { NodesController } from './nodes.controller';
import { NodesService } from './nodes.service';

/** Nodes: workshops, machines and greenhouses, their capabilities and webhook endpoints. */
@Module({ imports: [NodesLibModule], controllers: [NodesController], providers: [NodesService], exports: [NodesService] })
export class NodesModule {}
